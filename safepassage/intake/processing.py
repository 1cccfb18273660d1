"""Reading stored updates into contacts and their messages (the background step).

`update_process` takes one stored update (state `received`), finds or
makes the contact it comes from, records what was said (Burmese converted
from Zawgyi) and lets the conversation (`conversation.py`) answer through
the outbox, all in one transaction. Every shape the providers document is
read; what cannot be read marks the update `failed` with a reason code,
never raises.

A failure while reading one update is contained to it: its writes are
rolled back (a savepoint), and it is set aside `quarantined` with a reason
code and an audit event, so that the updates after it are read and no run
stops on it again. Only what is not the update's fault raises: a locked
key ring, a lost or locked database (`TRANSIENT`); the update then stays
`received` for the next run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from safepassage.audit.services import audit_record
from safepassage.language import normalize_text
from safepassage.vault.exceptions import KeyRingError, VaultLocked
from safepassage.vault.fields import blind_index_filter

from .conversation import REDACTED, conversation_advance
from .models import (
    Channel,
    ChannelKind,
    Contact,
    ContactMessage,
    InboundUpdate,
    MessageKind,
    UpdateState,
)
from .outbox import (
    bot_reply_queue,
    button_ack_queue,
    chat_erase_queue,
    chat_receipt_erase,
    chat_transient_erase,
    outbox_withdraw_bot_messages,
)
from .services import conversation_heard, failure_reason, update_quarantine

logger = logging.getLogger("safepassage.intake")

#: Failures that are not the update's: it stays `received`.
TRANSIENT = (OperationalError, InterfaceError, VaultLocked, KeyRingError)


@dataclass(frozen=True)
class Inbound:
    """What an update says, provider-neutral."""

    address: str
    kind: str
    body: str
    provider_message_id: str = ""
    language: str = ""
    blocked: bool | None = None
    #: Telegram's callback query id, answered so the button stops spinning.
    callback_id: str = ""


class Unreadable(Exception):
    """The update's shape is not what the provider documents."""


def _text(value: object) -> str:
    return normalize_text(value) if isinstance(value, str) else ""


def _language(code: object) -> str:
    return "my" if isinstance(code, str) and code.lower().startswith("my") else "en"


def _telegram_message(message: dict[str, Any], kind_override: str = "") -> Inbound:
    chat = message.get("chat")
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
        raise Unreadable("chat")
    sender = message.get("from")
    if not isinstance(sender, dict):
        sender = {}
    caption = _text(message.get("caption"))
    if "text" in message:
        kind, body = MessageKind.TEXT, _text(message.get("text"))
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
        language=_language(sender.get("language_code")),
    )


def read_telegram(update: dict[str, Any]) -> Inbound | None:
    """None for what needs no record (a service update about another chat)."""
    if isinstance(update.get("message"), dict):
        return _telegram_message(update["message"])
    if isinstance(update.get("edited_message"), dict):
        return _telegram_message(update["edited_message"], MessageKind.EDITED)
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
            body=_text(query.get("data")),
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
                psid, MessageKind.BUTTON, _text(reply.get("payload")), message.get("mid", "")
            )
        attachments = message.get("attachments")
        if "text" in message:
            return Inbound(psid, MessageKind.TEXT, _text(message["text"]), message.get("mid", ""))
        if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
            kinds = {
                "image": MessageKind.PHOTO,
                "audio": MessageKind.VOICE,
                "file": MessageKind.DOCUMENT,
                "location": MessageKind.LOCATION,
            }
            first = attachments[0]
            kind = kinds.get(str(first.get("type")), MessageKind.OTHER)
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
            psid, MessageKind.BUTTON, _text(postback.get("payload")), postback.get("mid", "")
        )
    return None


def contact_for(channel: Channel, address: str, language: str = "") -> tuple[Contact, bool]:
    """The channel's contact at `address`, made if new."""
    candidates = Contact.objects.filter(channel=channel).select_related("data_key__unit_key")
    found = blind_index_filter(candidates, "address_index", address)
    if found:
        return found[0], False
    return Contact.objects.create(channel=channel, address=address, language=language), True


def update_process(update_id: int) -> str:
    """Read one stored update; returns its new state. Idempotent. Raises
    only `TRANSIENT` failures."""
    with transaction.atomic():
        update = (
            InboundUpdate.objects.select_for_update()
            .select_related("channel__data_key__unit_key", "data_key__unit_key")
            .filter(pk=update_id)
            .first()
        )
        if update is None or update.state != UpdateState.RECEIVED:
            return update.state if update is not None else "missing"
        try:
            with transaction.atomic():  # a savepoint: a failure undoes this update only
                _read(update)
        except TRANSIENT:
            raise
        except Exception as exc:
            update_quarantine(update=update, reason=failure_reason(exc))
    return update.state


def _read(update: InboundUpdate) -> None:
    try:
        try:
            data = json.loads(update.payload or "")
        except ValueError:
            raise Unreadable("json") from None
        if not isinstance(data, dict):
            raise Unreadable("payload")
        reader = read_telegram if update.channel.kind == ChannelKind.TELEGRAM else read_facebook
        inbound = reader(data)
    except Unreadable as exc:
        # Real deliveries are readable: an unreadable one is worth a look
        # (a provider's change, or a forgery that passed the signature).
        logger.warning(
            "intake: update %s on channel %s could not be read (%s)",
            update.pk,
            update.channel_id,
            exc,
        )
        update.state = UpdateState.FAILED
        update.reason = str(exc)[:40]
        update.save(update_fields=["state", "reason"])
        audit_record(
            actor=None,
            action="intake.update_unreadable",
            target=update,
            details={"reason": update.reason},
        )
        return
    if inbound is not None:
        _record(update, inbound)
    update.state = UpdateState.PROCESSED
    update.save(update_fields=["state"])


def _record(update: InboundUpdate, inbound: Inbound) -> None:
    contact, created = contact_for(update.channel, inbound.address, inbound.language)
    if inbound.blocked is not None:
        contact.blocked = inbound.blocked
        contact.save(update_fields=["blocked"])
        return
    turn = conversation_advance(contact, inbound.kind, inbound.body)
    message = ContactMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        inbound=True,
        kind=inbound.kind,
        body=REDACTED if turn.redact else inbound.body,
        provider_message_id=str(inbound.provider_message_id)[:100],
        transient=turn.served or turn.redact,
    )
    contact.last_inbound_at = timezone.now()
    contact.blocked = False
    contact.save()
    if contact.continues_id is not None:  # the conversation comes up in the inbox
        Contact.objects.filter(pk=contact.continues_id).update(
            last_inbound_at=contact.last_inbound_at
        )
    audit_record(
        actor=None,
        action="intake.message_received",
        target=contact,
        details={"kind": inbound.kind, "new_contact": created},
    )
    conversation_heard(contact=contact)
    if inbound.callback_id:
        button_ack_queue(contact=contact, callback_id=inbound.callback_id)
    if turn.withdraw:
        outbox_withdraw_bot_messages(contact=contact)
    if turn.redact:
        chat_erase_queue(contact=contact, messages=[message])
    if turn.erase_served:
        chat_transient_erase(contact=contact)
    if turn.erase_receipt:
        chat_receipt_erase(contact=contact)
    for reply in turn.replies:
        bot_reply_queue(contact=contact, reply=reply)
    if turn.erase_chat:
        chat_erase_queue(contact=contact)
