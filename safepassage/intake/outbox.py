"""The outbox: messages to contacts, sent through each contact's own channel.

Guarantees, and what they cost:

* **Nothing lost**: a message is a row before it is anything else; every
  outcome is recorded on it (sent, queued again for later, failed with a
  reason code, or uncertain).
* **Nothing sent twice**: a sender claims a message (state `sending`, with
  a lease) in one transaction and sends it after commit. Neither provider
  takes an idempotency key, so a sender that dies mid-send leaves the
  message `uncertain` when its lease runs out: it is *not* sent again
  automatically; staff decide (the person's safety is better served by a
  missing reply than by a duplicate arriving at the wrong moment). A send
  that failed before reaching the provider (no connection, a 5xx, Telegram's
  429 with `retry_after`) is queued again with back-off.
* **Provider limits**: Telegram allows about 30 messages a second per bot
  and one a second per chat. The sender spaces messages to one chat by
  `PER_CHAT_SECONDS` (a later one waits, others go first, so one chatty
  contact never starves the rest) and paces each bot at `PER_BOT_PER_SECOND`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import httpx
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record

from .models import (
    ChannelKind,
    Contact,
    ContactMessage,
    MessageKind,
    OutboundMessage,
    OutboxState,
)

logger = logging.getLogger("safepassage.intake")

PER_CHAT_SECONDS = 1.0
PER_BOT_PER_SECOND = 30
LEASE = dt.timedelta(seconds=120)
MAX_ATTEMPTS = 8
MAX_TEXT = 4096  # Telegram's limit for one message
GRAPH_VERSION = "v21.0"


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(attempts - 1, 0)))


@transaction.atomic
def reply_queue(*, actor: User | None, contact: Contact, body: str) -> OutboundMessage:
    """Queue a message to `contact`. Staff replies come from intake operators;
    `actor=None` is the system (the bot's own messages)."""
    if actor is not None and not actor.has_any_role({Role.INTAKE_OPERATOR}):
        raise PermissionDenied
    text = (body or "").strip()
    if not text:
        raise ValidationError(_("The reply is empty."))
    if len(text) > MAX_TEXT:
        raise ValidationError(_("A reply holds at most 4,096 characters."))
    message = OutboundMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        body=text,
        next_attempt_at=timezone.now(),
        queued_by=actor,
    )
    audit_record(actor=actor, action="intake.reply_queued", target=contact)
    transaction.on_commit(_enqueue_send)
    return message


def _enqueue_send() -> None:
    from .tasks import send_outbox

    try:
        send_outbox.enqueue()
    except Exception:  # the row is queued; `manage.py outbox_send` catches up
        logger.exception("intake: could not enqueue the outbox")


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


def _claim(now: dt.datetime, limit: int) -> list[OutboundMessage]:
    """Due messages, at most one per chat and none sooner than
    PER_CHAT_SECONDS after that chat's last; marked `sending` on commit."""
    claimed: list[OutboundMessage] = []
    with transaction.atomic():
        due = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxState.QUEUED, next_attempt_at__lte=now)
            .select_related("contact__channel__data_key__unit_key", "contact__data_key__unit_key")
            .select_related("data_key__unit_key")
            .order_by("next_attempt_at", "pk")[: limit * 4]
        )
        chats_taken: set[int] = set()
        for message in due:
            if len(claimed) >= limit:
                break
            contact_id = message.contact_id
            last = (
                OutboundMessage.objects.filter(contact_id=contact_id, sent_at__isnull=False)
                .order_by("-sent_at")
                .values_list("sent_at", flat=True)
                .first()
            )
            earliest = last + dt.timedelta(seconds=PER_CHAT_SECONDS) if last else now
            if contact_id in chats_taken or earliest > now:
                message.next_attempt_at = max(
                    earliest, now + dt.timedelta(seconds=PER_CHAT_SECONDS)
                )
                message.save(update_fields=["next_attempt_at"])
                continue
            chats_taken.add(contact_id)
            message.state = OutboxState.SENDING
            message.claimed_until = now + LEASE
            message.attempts += 1
            message.save(update_fields=["state", "claimed_until", "attempts"])
            claimed.append(message)
    return claimed


@dataclass(frozen=True)
class Outcome:
    state: str  # sent, retry, failed, uncertain
    provider_message_id: str = ""
    retry_after: float = 0.0
    reason: str = ""
    blocked: bool = False


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
        batch = [(m.contact.address or "", m.body or "") for m in messages]
        send = _send_telegram if channel.kind == ChannelKind.TELEGRAM else _send_facebook
        outcomes = send(channel.api_url, channel.token or "", batch)
        for message, outcome in zip(messages, outcomes, strict=True):
            _settle(message, outcome)
            counts[outcome.state] += 1
    return counts


def _settle(message: OutboundMessage, outcome: Outcome) -> None:
    now = timezone.now()
    with transaction.atomic():
        message.claimed_until = None
        if outcome.state == "sent":
            message.state = OutboxState.SENT
            message.sent_at = now
            message.provider_message_id = outcome.provider_message_id[:100]
            ContactMessage.objects.create(
                contact=message.contact,
                data_key=message.contact.data_key,
                inbound=False,
                kind=MessageKind.TEXT,
                body=message.body,
                provider_message_id=message.provider_message_id,
            )
        elif outcome.state == "retry" and message.attempts < MAX_ATTEMPTS:
            message.state = OutboxState.QUEUED
            wait = max(dt.timedelta(seconds=outcome.retry_after), _backoff(message.attempts))
            message.next_attempt_at = now + wait
        elif outcome.state == "uncertain":
            message.state = OutboxState.UNCERTAIN
        else:
            message.state = OutboxState.FAILED
            message.failure = outcome.reason or "attempts_exhausted"
        message.save()
        if outcome.blocked:
            Contact.objects.filter(pk=message.contact_id).update(blocked=True)
        audit_record(
            actor=None,
            action="intake.reply_" + ("sent" if outcome.state == "sent" else "not_sent"),
            target=message.contact,
            details={"state": message.state, "attempts": message.attempts},
        )


class _Pace:
    """At most `rate` sends a second for one bot."""

    def __init__(self, rate: int) -> None:
        self.interval = 1.0 / rate
        self.next = time.monotonic()

    async def wait(self) -> None:
        delay = self.next - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self.next = max(self.next, time.monotonic()) + self.interval


def _send_telegram(api_url: str, token: str, batch: list[tuple[str, str]]) -> list[Outcome]:
    return asyncio.run(_telegram_batch(api_url, token, batch))


async def _telegram_batch(api_url: str, token: str, batch: list[tuple[str, str]]) -> list[Outcome]:
    from telegram import Bot
    from telegram.error import (
        BadRequest,
        Forbidden,
        InvalidToken,
        NetworkError,
        RetryAfter,
        TimedOut,
    )

    outcomes: list[Outcome] = []
    pace = _Pace(PER_BOT_PER_SECOND)
    bot = Bot(token=token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot")
    try:
        async with bot:  # getMe first: nothing is sent if the bot cannot start
            for address, text in batch:
                await pace.wait()
                outcomes.append(await _telegram_one(bot, address, text))
    except InvalidToken:
        outcomes += [Outcome("failed", reason="bad_token")] * (len(batch) - len(outcomes))
    except (TimedOut, NetworkError, RetryAfter, BadRequest, Forbidden):
        # Raised while starting or closing the bot, never by a send (those are
        # caught one by one): what has no outcome yet was not sent.
        outcomes += [Outcome("retry", reason="network")] * (len(batch) - len(outcomes))
    return outcomes


async def _telegram_one(bot: Any, address: str, text: str) -> Outcome:
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

    try:
        sent = await bot.send_message(chat_id=int(address), text=text)
    except RetryAfter as exc:
        with warnings.catch_warnings():  # PTB 22 warns that the type will change; both are read
            warnings.simplefilter("ignore")
            after = exc.retry_after
        seconds = after.total_seconds() if isinstance(after, dt.timedelta) else float(after)
        return Outcome("retry", retry_after=seconds, reason="rate_limited")
    except Forbidden:
        return Outcome("failed", reason="blocked", blocked=True)
    except BadRequest:
        return Outcome("failed", reason="refused")
    except TimedOut:  # the request may have reached Telegram
        return Outcome("uncertain", reason="timed_out")
    except NetworkError:
        return Outcome("retry", reason="network")
    except ValueError:
        return Outcome("failed", reason="bad_address")
    return Outcome("sent", provider_message_id=str(sent.message_id))


def _send_facebook(api_url: str, token: str, batch: list[tuple[str, str]]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with httpx.Client(timeout=httpx.Timeout(15, connect=5)) as client:
        for address, text in batch:
            try:
                response = client.post(
                    f"{api_url}/{GRAPH_VERSION}/me/messages",
                    params={"access_token": token},
                    json={
                        "recipient": {"id": address},
                        "messaging_type": "RESPONSE",
                        "message": {"text": text},
                    },
                )
            except (httpx.ConnectError, httpx.ConnectTimeout):
                outcomes.append(Outcome("retry", reason="network"))
                continue
            except httpx.HTTPError:
                outcomes.append(Outcome("uncertain", reason="timed_out"))
                continue
            if response.status_code == 200:
                try:
                    mid = str(response.json().get("message_id", ""))
                except ValueError:
                    mid = ""
                outcomes.append(Outcome("sent", provider_message_id=mid))
            elif response.status_code == 429 or response.status_code >= 500:
                outcomes.append(Outcome("retry", reason=f"http_{response.status_code}"))
            else:
                outcomes.append(Outcome("failed", reason=f"http_{response.status_code}"))
    return outcomes
