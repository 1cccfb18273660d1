"""Sending: claim what is due (paced per chat, in order per contact), send
it through the channel's sender (`channels.registry`), settle each outcome
on its row. A sender that dies mid-send leaves its claims `uncertain` when
the lease runs out (`outbox_recover`): never sent again automatically."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict

from django.db import transaction
from django.utils import timezone

from safepassage.audit.services import audit_record

from ..channels.base import Job, Outcome
from ..channels.registry import channel_type
from ..models import (
    Contact,
    ContactMessage,
    MessageKind,
    OutboundAction,
    OutboundMessage,
    OutboxState,
)
from .rows import (
    LEASE,
    MAX_ATTEMPTS,
    PER_CHAT_SECONDS,
    RECEIPT_VISIBLE_FOR,
    SECRET_SHOWN,
    erase_row,
    held,
    outbox_next_due,
)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(attempts - 1, 0)))


def served_ids(erase: OutboundMessage) -> list[int]:
    """For an `erase_served` entry: the transient messages still in the chat,
    but not the bot's messages queued after the entry (the next question)."""
    erasable_for = channel_type(erase.contact.channel.kind).erasable_for
    if erasable_for is None:
        return []
    later = OutboundMessage.objects.filter(
        contact_id=erase.contact_id, pk__gt=erase.pk, action=OutboundAction.SEND
    ).exclude(provider_message_id="")
    served = (
        ContactMessage.objects.filter(
            contact_id=erase.contact_id,
            transient=True,
            erased_from_chat_at__isnull=True,
            created_at__gte=timezone.now() - erasable_for,
        )
        .exclude(provider_message_id="")
        .exclude(inbound=False, provider_message_id__in=later.values("provider_message_id"))
        .values_list("provider_message_id", flat=True)
    )
    return sorted({int(i) for i in served if i.isdigit()})


def outbox_recover(*, now: dt.datetime | None = None) -> int:
    """Messages whose sender's lease ran out become `uncertain` (never resent)."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            OutboundMessage.objects.select_for_update()
            .filter(state=OutboxState.SENDING, claimed_until__lt=now)
            .values_list("pk", flat=True)
        )
        if stale:
            OutboundMessage.objects.filter(pk__in=stale).update(
                state=OutboxState.UNCERTAIN, claimed_until=None
            )
            audit_record(
                actor=None, action="intake.outbox_uncertain", details={"messages": len(stale)}
            )
    return len(stale)


def _first_pending(contact_ids: set[int]) -> dict[int, OutboundMessage]:
    """Per contact, the oldest message to send that is still queued or
    being sent: the only one of that contact that may go next."""
    first: dict[int, OutboundMessage] = {}
    pending = (
        OutboundMessage.objects.filter(
            contact_id__in=contact_ids,
            action=OutboundAction.SEND,
            state__in=[OutboxState.QUEUED, OutboxState.SENDING],
        )
        .exclude(held())
        .only("pk", "contact_id", "state", "next_attempt_at", "claimed_until")
        .order_by("pk")
    )
    for message in pending:
        first.setdefault(message.contact_id, message)
    return first


def _claim(now: dt.datetime, limit: int) -> list[OutboundMessage]:
    """Due messages, at most one per chat, none sooner than PER_CHAT_SECONDS
    after that chat's last and none ahead of an earlier one to the same
    contact; marked `sending` on commit. A message that must wait is moved
    to when it may go, so that the next wake-up comes then, not before."""
    claimed: list[OutboundMessage] = []
    with transaction.atomic():
        due = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxState.QUEUED, next_attempt_at__lte=now)
            .exclude(held())
            .select_related("contact__channel__data_key__unit_key", "contact__data_key__unit_key")
            .select_related("data_key__unit_key")
            .order_by("next_attempt_at", "pk")[: limit * 4]
        )
        first = _first_pending({m.contact_id for m in due})
        chats_taken: set[int] = set()
        spacing = dt.timedelta(seconds=PER_CHAT_SECONDS)
        for message in due:
            if len(claimed) >= limit:
                break
            contact_id = message.contact_id
            if message.action == OutboundAction.ACK:  # not a chat message: no pacing
                _mark_sending(message, now)
                claimed.append(message)
                continue
            ahead = first.get(contact_id)
            if (
                message.action == OutboundAction.SEND
                and ahead is not None
                and ahead.pk != message.pk
            ):
                # An earlier message to this contact goes first.
                after = ahead.claimed_until if ahead.state == OutboxState.SENDING else None
                message.next_attempt_at = max(now + spacing, after or ahead.next_attempt_at or now)
                message.save(update_fields=["next_attempt_at"])
                continue
            last = (
                OutboundMessage.objects.filter(
                    contact_id=contact_id, sent_at__isnull=False, action=OutboundAction.SEND
                )
                .order_by("-sent_at")
                .values_list("sent_at", flat=True)
                .first()
            )
            earliest = last + spacing if last else now
            if message.action == OutboundAction.ERASE:  # not paced: sends nothing
                _mark_sending(message, now)
                claimed.append(message)
                continue
            if contact_id in chats_taken or earliest > now:
                message.next_attempt_at = max(earliest, now + spacing)
                message.save(update_fields=["next_attempt_at"])
                continue
            chats_taken.add(contact_id)
            _mark_sending(message, now)
            claimed.append(message)
    return claimed


def _mark_sending(message: OutboundMessage, now: dt.datetime) -> None:
    message.state = OutboxState.SENDING
    message.claimed_until = now + LEASE
    message.attempts += 1
    message.save(update_fields=["state", "claimed_until", "attempts"])


def outbox_send_due(*, limit: int = 30, now: dt.datetime | None = None) -> Counter[str]:
    """Send what is due; returns the count of each outcome."""
    now = now or timezone.now()
    outbox_recover(now=now)
    claimed = _claim(now, limit)
    by_channel: dict[int, list[OutboundMessage]] = defaultdict(list)
    for message in claimed:
        by_channel[message.contact.channel_id].append(message)
    counts: Counter[str] = Counter()
    for messages in by_channel.values():
        channel = messages[0].contact.channel
        for m in messages:
            if m.erase_served:
                m.erase_message_ids = served_ids(m)
        batch = [
            Job(
                m.contact.address or "",
                m.body or "",
                [(str(p), str(label)) for p, label in m.buttons or []],
                list(m.erase_message_ids or []) if m.action == OutboundAction.ERASE else [],
                ack=m.action == OutboundAction.ACK,
                erase=m.action == OutboundAction.ERASE,
            )
            for m in messages
        ]
        outcomes = channel_type(channel.kind).send(channel.api_url, channel.token or "", batch)
        for message, outcome in zip(messages, outcomes, strict=True):
            settle(message, outcome)
            counts[outcome.state] += 1
    return counts


def outbox_send_all(*, within: dt.timedelta = dt.timedelta(seconds=60)) -> Counter[str]:
    """Send everything that falls due within `within`, waiting out the
    provider limits between messages (a catch-up for commands: the worker
    schedules itself instead of waiting)."""
    counts: Counter[str] = Counter()
    deadline = timezone.now() + within
    while True:
        counts.update(outbox_send_due(limit=500))
        following = outbox_next_due()
        if following is None or following > deadline:
            return counts
        time.sleep(max(0.05, (following - timezone.now()).total_seconds()))


def settle(message: OutboundMessage, outcome: Outcome) -> None:
    """Record `outcome` on `message` (and what follows from it), audited.

    A secret message sent schedules its own erasing `RECEIPT_VISIBLE_FOR`
    later; that entry is not due now, and the sender run that settled it
    wakes the worker for the earliest queued message (`tasks.send_outbox`)."""
    now = timezone.now()
    with transaction.atomic():
        message.claimed_until = None
        if message.action == OutboundAction.ACK:
            # A button's spinner: worth one try only; the chat goes on either way.
            message.state = OutboxState.SENT if outcome.state == "sent" else OutboxState.FAILED
            message.failure = "" if outcome.state == "sent" else outcome.reason[:40]
            message.sent_at = now if outcome.state == "sent" else None
            message.save()
            return
        if outcome.state == "sent" and message.action == OutboundAction.ERASE:
            message.state = OutboxState.SENT
            message.sent_at = now
            ContactMessage.objects.filter(
                contact_id=message.contact_id,
                provider_message_id__in=[str(i) for i in message.erase_message_ids],
            ).update(erased_from_chat_at=now)
        elif outcome.state == "sent":
            message.state = OutboxState.SENT
            message.sent_at = now
            message.provider_message_id = outcome.provider_message_id[:100]
            shown = ContactMessage.objects.create(
                contact=message.contact,
                data_key=message.contact.data_key,
                inbound=False,
                kind=MessageKind.TEXT,
                body=SECRET_SHOWN if message.secret else message.body,
                provider_message_id=message.provider_message_id,
                transient=message.transient,
            )
            if message.secret:  # gone from the chat at the latest after a while
                _receipt_erase_later(message.contact, shown, now + RECEIPT_VISIBLE_FOR)
        elif outcome.state == "retry" and message.attempts < MAX_ATTEMPTS:
            message.state = OutboxState.QUEUED
            wait = max(dt.timedelta(seconds=outcome.retry_after), _backoff(message.attempts))
            message.next_attempt_at = now + wait
        elif outcome.state == "uncertain":
            message.state = OutboxState.UNCERTAIN
        else:
            message.state = OutboxState.FAILED
            message.failure = outcome.reason or "attempts_exhausted"
        if message.secret and message.state != OutboxState.QUEUED:
            message.body = SECRET_SHOWN
        message.save()
        if outcome.blocked:
            Contact.objects.filter(pk=message.contact_id).update(blocked=True)
        audit_record(
            actor=None,
            action="intake.reply_" + ("sent" if outcome.state == "sent" else "not_sent"),
            target=message.contact,
            details={
                "state": message.state,
                "attempts": message.attempts,
                "action": message.action,
            },
        )


def _receipt_erase_later(contact: Contact, shown: ContactMessage, at: dt.datetime) -> None:
    if channel_type(contact.channel.kind).erasable_for is None:
        return
    ids = [int(shown.provider_message_id)] if shown.provider_message_id.isdigit() else []
    if ids:
        erase_row(contact, ids, at=at)
