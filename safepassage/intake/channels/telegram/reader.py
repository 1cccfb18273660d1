"""Telegram's reader: one Bot API update into the neutral `Inbound`."""

from __future__ import annotations

import json
from typing import Any

from safepassage.intake.channels.base import Inbound, Unreadable
from safepassage.intake.channels.text import language_of, text_of
from safepassage.intake.models import MessageKind


def _message(message: dict[str, Any], kind_override: str = "") -> Inbound:
    chat = message.get("chat")
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
        raise Unreadable("chat")
    sender = message.get("from")
    if not isinstance(sender, dict):
        sender = {}
    caption = text_of(message.get("caption"))
    kind: str
    if "text" in message:
        kind, body = MessageKind.TEXT, text_of(message.get("text"))
    elif isinstance(message.get("photo"), list) and message["photo"]:
        largest = message["photo"][-1]
        file_id = largest.get("file_id", "") if isinstance(largest, dict) else ""
        kind, body = MessageKind.PHOTO, json.dumps({"file_id": file_id, "caption": caption})
    elif isinstance(message.get("location"), dict):
        loc = message["location"]
        kind, body = (
            MessageKind.LOCATION,
            json.dumps({"latitude": loc.get("latitude"), "longitude": loc.get("longitude")}),
        )
    elif isinstance(message.get("contact"), dict):
        shared = message["contact"]
        kind, body = (
            MessageKind.SHARED_CONTACT,
            json.dumps(
                {
                    "phone_number": shared.get("phone_number"),
                    "first_name": shared.get("first_name"),
                },
                ensure_ascii=False,
            ),
        )
    else:
        kind = MessageKind.OTHER
        for key, media_kind in (
            ("sticker", MessageKind.STICKER),
            ("voice", MessageKind.VOICE),
            ("document", MessageKind.DOCUMENT),
        ):
            if isinstance(message.get(key), dict):
                kind = media_kind
                break
        media: object = message.get(str(kind)) if kind != MessageKind.OTHER else None
        file_id = media.get("file_id", "") if isinstance(media, dict) else ""
        body = json.dumps({"file_id": file_id, "caption": caption})
    return Inbound(
        address=str(chat["id"]),
        kind=kind_override or kind,
        body=body,
        provider_message_id=str(message.get("message_id", "")),
        language=language_of(sender.get("language_code")),
    )


def read_telegram(update: dict[str, Any]) -> Inbound | None:
    """None for what needs no record (a service update about another chat)."""
    if isinstance(update.get("message"), dict):
        return _message(update["message"])
    if isinstance(update.get("edited_message"), dict):
        return _message(update["edited_message"], MessageKind.EDITED)
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        sender = query.get("from")
        chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            address = str(chat["id"])
        elif isinstance(sender, dict) and isinstance(sender.get("id"), int):
            address = str(sender["id"])
        else:
            raise Unreadable("callback_query")
        callback_id = query.get("id")
        return Inbound(
            address=address,
            kind=MessageKind.BUTTON,
            body=text_of(query.get("data")),
            callback_id=callback_id[:100] if isinstance(callback_id, str) else "",
        )
    member = update.get("my_chat_member")
    if isinstance(member, dict):
        chat = member.get("chat")
        new = member.get("new_chat_member")
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            raise Unreadable("my_chat_member")
        status = new.get("status") if isinstance(new, dict) else None
        return Inbound(address=str(chat["id"]), kind="", body="", blocked=status == "kicked")
    return None
