"""Messenger's reader: one messaging event into the neutral `Inbound`."""

from __future__ import annotations

import json
from typing import Any

from safepassage.intake.channels.base import Inbound, Unreadable
from safepassage.intake.channels.text import text_of
from safepassage.intake.models import MessageKind

ATTACHMENT_KINDS = {
    "image": MessageKind.PHOTO,
    "audio": MessageKind.VOICE,
    "file": MessageKind.DOCUMENT,
    "location": MessageKind.LOCATION,
}


def read_facebook(event: dict[str, Any]) -> Inbound | None:
    sender = event.get("sender")
    psid = sender.get("id") if isinstance(sender, dict) else None
    if not isinstance(psid, str) or not psid.isdigit():
        raise Unreadable("sender")
    message = event.get("message")
    if isinstance(message, dict):
        reply = message.get("quick_reply")
        if isinstance(reply, dict):
            return Inbound(
                psid, MessageKind.BUTTON, text_of(reply.get("payload")), message.get("mid", "")
            )
        attachments = message.get("attachments")
        if "text" in message:
            return Inbound(psid, MessageKind.TEXT, text_of(message["text"]), message.get("mid", ""))
        if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
            first = attachments[0]
            kind = ATTACHMENT_KINDS.get(str(first.get("type")), MessageKind.OTHER)
            return Inbound(
                psid,
                kind,
                json.dumps(first.get("payload"), ensure_ascii=False),
                message.get("mid", ""),
            )
        return Inbound(psid, MessageKind.OTHER, "", message.get("mid", ""))
    postback = event.get("postback")
    if isinstance(postback, dict):
        return Inbound(
            psid, MessageKind.BUTTON, text_of(postback.get("payload")), postback.get("mid", "")
        )
    return None
