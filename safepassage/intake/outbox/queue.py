"""Every way a message is queued: staff replies, the bot's own messages,
answers to button presses, and erasing entries. Each wakes the sender once
its transaction commits (`tasks.outbox_enqueue`); a channel whose messages
are read in place (the web form) has them settled as sent at once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.language import text_cut

from ..channels.base import Outcome
from ..channels.registry import channel_type, kinds_erasable
from ..models import (
    Contact,
    ContactMessage,
    OutboundAction,
    OutboundMessage,
    OutboxState,
)
from .rows import MAX_TEXT, BotReply, erase_row, message_row
from .sending import settle
from .tasks import outbox_enqueue


@transaction.atomic
def reply_queue(*, actor: User | None, contact: Contact, body: str) -> OutboundMessage:
    """Queue a message to `contact`. Staff replies come from intake operators
    (the inbox) or, once handed over, from the receiving unit's handlers;
    the caller has found `contact` through what the actor may see."""
    if actor is not None and not actor.has_any_role({Role.INTAKE_OPERATOR, Role.UNIT_HANDLER}):
        raise PermissionDenied
    text = (body or "").strip()
    if not text:
        raise ValidationError(_("The reply is empty."))
    if len(text) > MAX_TEXT:  # refused, not cut: staff see the limit
        raise ValidationError(_("A reply holds at most 4,096 characters."))
    target = reply_route(contact)
    message = message_queue(target, text, queued_by=actor)
    audit_record(actor=actor, action="intake.reply_queued", target=contact)
    return message


def reply_route(contact: Contact) -> Contact:
    """Where a reply to a conversation goes: of the root contact and those
    that resumed it on other channels, the one the person wrote from last."""
    root = contact.continues or contact
    members = [root, *Contact.objects.filter(continues=root).select_related("channel")]
    return max(members, key=lambda c: (c.last_inbound_at is not None, c.last_inbound_at, c.pk))


def message_queue(
    contact: Contact,
    text: str,
    *,
    queued_by: User | None = None,
    buttons: list[tuple[str, str]] | None = None,
    secret: bool = False,
    transient: bool = False,
) -> OutboundMessage:
    """Queue one message to `contact` (the caller checked who may)."""
    message = message_row(
        contact, text, queued_by=queued_by, buttons=buttons, secret=secret, transient=transient
    )
    if channel_type(contact.channel.kind).delivered_in_place:  # read when the person resumes
        settle(message, Outcome("sent"))
    else:
        transaction.on_commit(outbox_enqueue)
    return message


def bot_reply_queue(*, contact: Contact, reply: BotReply) -> OutboundMessage:
    """Queue the conversation's own message (no staff member: `queued_by` empty)."""
    return message_queue(
        contact,
        text_cut(reply.body, MAX_TEXT),
        buttons=reply.buttons,
        secret=reply.secret,
        transient=reply.transient,
    )


def chat_erase_queue(
    *,
    contact: Contact,
    messages: list[ContactMessage] | None = None,
    at: dt.datetime | None = None,
) -> OutboundMessage | None:
    """Delete `messages` (default: every message still there and young
    enough) from the contact's chat, now or `at`. None where nothing can
    go (a channel whose provider cannot delete)."""
    erasable_for = channel_type(contact.channel.kind).erasable_for
    if erasable_for is None:
        return None
    if messages is None:
        messages = list(
            contact.messages.filter(
                erased_from_chat_at__isnull=True,
                created_at__gte=timezone.now() - erasable_for,
            ).exclude(provider_message_id="")
        )
    ids = sorted({int(m.provider_message_id) for m in messages if m.provider_message_id.isdigit()})
    if not ids:
        return None
    message = erase_row(contact, ids, at=at)
    transaction.on_commit(outbox_enqueue)
    return message


def chat_transient_erase(*, contact: Contact) -> OutboundMessage | None:
    """Delete from the chat what has served its purpose: the bot's transient
    messages (questions, the notice) and the person's answers to them.
    Which messages those are is decided when the erase is sent, after every
    message queued before it has left (`sending.served_ids`)."""
    if channel_type(contact.channel.kind).erasable_for is None:
        return None
    message = OutboundMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        action=OutboundAction.ERASE,
        body="",
        erase_served=True,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(outbox_enqueue)
    return message


def chat_receipt_erase(*, contact: Contact) -> OutboundMessage | None:
    """Delete the code and receipt from the chat now (the person saved them)."""
    shown = OutboundMessage.objects.filter(
        contact=contact, secret=True, state=OutboxState.SENT
    ).exclude(provider_message_id="")
    messages = list(
        contact.messages.filter(
            inbound=False,
            erased_from_chat_at__isnull=True,
            provider_message_id__in=shown.values("provider_message_id"),
        )
    )
    return chat_erase_queue(contact=contact, messages=messages) if messages else None


def outbox_withdraw_bot_messages(*, contact: Contact) -> int:
    """The bot's messages to `contact` not sent yet are withdrawn (the person
    stopped, or the conversation moved on): marked failed, never sent."""
    return OutboundMessage.objects.filter(
        contact=contact,
        action=OutboundAction.SEND,
        state=OutboxState.QUEUED,
        queued_by__isnull=True,
    ).update(state=OutboxState.FAILED, failure="withdrawn")


def button_ack_queue(*, contact: Contact, callback_id: str) -> OutboundMessage:
    """Answer a button press (Telegram's answerCallbackQuery): sent ahead of
    the chat's pacing, not a message in the chat."""
    message = OutboundMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        action=OutboundAction.ACK,
        body=callback_id,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(outbox_enqueue)
    return message


def chats_erase_due(*, now: dt.datetime | None = None) -> int:
    """Queue the erasing of chats silent for INTAKE_CHAT_ERASE_AFTER_HOURS
    (0: never), on every channel whose provider can delete. Returns how many."""
    hours = settings.INTAKE_CHAT_ERASE_AFTER_HOURS
    if hours <= 0:
        return 0
    now = now or timezone.now()
    quiet_since = now - dt.timedelta(hours=hours)
    queued = 0
    for kind in kinds_erasable():
        erasable_for = channel_type(kind).erasable_for
        if erasable_for is None:
            continue
        candidates = (
            Contact.objects.filter(
                channel__kind=kind,
                messages__erased_from_chat_at__isnull=True,
                messages__created_at__gte=now - erasable_for,
            )
            .exclude(messages__created_at__gte=quiet_since)
            .exclude(outbox__action=OutboundAction.ERASE, outbox__state=OutboxState.QUEUED)
            .select_related("channel", "data_key__unit_key")
            .distinct()
        )
        for contact in candidates:
            with transaction.atomic():
                if chat_erase_queue(contact=contact) is not None:
                    queued += 1
    return queued
