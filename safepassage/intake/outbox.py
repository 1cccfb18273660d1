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
* **Secrets**: a `secret` message (the receipt) is overwritten once sent,
  failed or uncertain; the conversation log keeps only that it was shown.
* **Erasing chats**: an `erase` entry deletes messages from the person's
  Telegram chat (`deleteMessages`, 100 at a time; the Bot API refuses
  messages older than 48 hours). Messenger offers no such call: there the
  bot asks the person to delete the conversation.
* **The web form** has nothing to send to: its messages count as sent at
  once and wait for the person to resume on the web.
* **Provider limits**: Telegram allows about 30 messages a second per bot
  and one a second per chat. The sender spaces messages to one chat by
  `PER_CHAT_SECONDS` (a later one waits, others go first, so one chatty
  contact never starves the rest) and paces each bot at `PER_BOT_PER_SECOND`.
* **In order, on time**: a conversation's messages leave in the order they
  were queued (a message waits while an earlier one to the same contact is
  queued or being sent), each as soon as the limits allow. A message due
  later is not left for the next inbound message or a timer: every sender
  run that leaves something queued wakes the worker again when the
  earliest of it falls due (`tasks.outbox_wake`).
* **Stopping**: while a contact has stopped the conversation
  (`Contact.stopped_at`), staff replies wait unsent and the bot's pending
  questions are withdrawn; erasing the chat still goes ahead.
* **The chat keeps little**: a `transient` message (a question, the
  notice) is deleted from the person's Telegram chat once it has served;
  the receipt once the person says it is saved, or `RECEIPT_VISIBLE_FOR`
  after it was sent, whichever is first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.language import text_cut

from .models import (
    ChannelKind,
    Contact,
    ContactMessage,
    MessageKind,
    OutboundAction,
    OutboundMessage,
    OutboxState,
)

if TYPE_CHECKING:
    from .conversation import BotReply

logger = logging.getLogger("safepassage.intake")

PER_CHAT_SECONDS = 1.0
PER_BOT_PER_SECOND = 30
LEASE = dt.timedelta(seconds=120)
MAX_ATTEMPTS = 8
MAX_TEXT = 4096  # Telegram's limit for one message
GRAPH_VERSION = "v21.0"
#: The Bot API deletes messages up to 48 hours old; a margin is kept.
ERASABLE_FOR = dt.timedelta(hours=47)
ERASE_BATCH = 100
#: Messenger's limit for a quick reply's title.
QUICK_REPLY_TITLE = 20
#: How long the receipt stays in a Telegram chat if the person never says
#: it is saved.
RECEIPT_VISIBLE_FOR = dt.timedelta(minutes=10)
#: Kept in the log in place of a secret message once it has left.
SECRET_SHOWN = "[receipt shown once: not kept]"  # noqa: S105 (a placeholder)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(attempts - 1, 0)))


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
    message = _queue(target, text, queued_by=actor)
    audit_record(actor=actor, action="intake.reply_queued", target=contact)
    return message


def reply_route(contact: Contact) -> Contact:
    """Where a reply to a conversation goes: of the root contact and those
    that resumed it on other channels, the one the person wrote from last."""
    root = contact.continues or contact
    members = [root, *Contact.objects.filter(continues=root).select_related("channel")]
    return max(members, key=lambda c: (c.last_inbound_at is not None, c.last_inbound_at, c.pk))


def _queue(
    contact: Contact,
    text: str,
    *,
    queued_by: User | None = None,
    buttons: list[tuple[str, str]] | None = None,
    secret: bool = False,
    transient: bool = False,
) -> OutboundMessage:
    now = timezone.now()
    message = OutboundMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        body=text,
        buttons=[list(b) for b in buttons or []],
        secret=secret,
        transient=transient and not secret,
        next_attempt_at=now,
        queued_by=queued_by,
    )
    if contact.channel.kind == ChannelKind.WEB:  # read when the person resumes
        _settle(message, Outcome("sent"))
    else:
        transaction.on_commit(_enqueue_send)
    return message


def bot_reply_queue(*, contact: Contact, reply: BotReply) -> OutboundMessage:
    """Queue the conversation's own message (no staff member: `queued_by` empty)."""
    return _queue(
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
    enough) from the contact's Telegram chat, now or `at`. None where
    nothing can go."""
    if contact.channel.kind != ChannelKind.TELEGRAM:
        return None
    if messages is None:
        messages = list(
            contact.messages.filter(
                erased_from_chat_at__isnull=True,
                created_at__gte=timezone.now() - ERASABLE_FOR,
            ).exclude(provider_message_id="")
        )
    ids = sorted({int(m.provider_message_id) for m in messages if m.provider_message_id.isdigit()})
    if not ids:
        return None
    message = OutboundMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        action=OutboundAction.ERASE,
        body="",
        erase_message_ids=ids,
        next_attempt_at=at or timezone.now(),
    )
    audit_record(
        actor=None,
        action="intake.chat_erase_queued",
        target=contact,
        details={"messages": len(ids)},
    )
    transaction.on_commit(_enqueue_send)
    return message


def chat_transient_erase(*, contact: Contact) -> OutboundMessage | None:
    """Delete from the chat what has served its purpose: the bot's transient
    messages (questions, the notice) and the person's answers to them.
    Which messages those are is decided when the erase is sent, after every
    message queued before it has left (`_served_ids`)."""
    if contact.channel.kind != ChannelKind.TELEGRAM:
        return None
    message = OutboundMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        action=OutboundAction.ERASE,
        body="",
        erase_served=True,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(_enqueue_send)
    return message


def _served_ids(erase: OutboundMessage) -> list[int]:
    """For an `erase_served` entry: the transient messages still in the chat,
    but not the bot's messages queued after the entry (the next question)."""
    later = OutboundMessage.objects.filter(
        contact_id=erase.contact_id, pk__gt=erase.pk, action=OutboundAction.SEND
    ).exclude(provider_message_id="")
    served = (
        ContactMessage.objects.filter(
            contact_id=erase.contact_id,
            transient=True,
            erased_from_chat_at__isnull=True,
            created_at__gte=timezone.now() - ERASABLE_FOR,
        )
        .exclude(provider_message_id="")
        .exclude(inbound=False, provider_message_id__in=later.values("provider_message_id"))
        .values_list("provider_message_id", flat=True)
    )
    return sorted({int(i) for i in served if i.isdigit()})


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
    """Answer a Telegram button press (answerCallbackQuery): sent ahead of
    the chat's pacing, not a message in the chat."""
    message = OutboundMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        action=OutboundAction.ACK,
        body=callback_id,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(_enqueue_send)
    return message


def chats_erase_due(*, now: dt.datetime | None = None) -> int:
    """Queue the erasing of Telegram chats silent for
    INTAKE_CHAT_ERASE_AFTER_HOURS (0: never). Returns how many."""
    from django.conf import settings

    hours = settings.INTAKE_CHAT_ERASE_AFTER_HOURS
    if hours <= 0:
        return 0
    now = now or timezone.now()
    quiet_since = now - dt.timedelta(hours=hours)
    candidates = (
        Contact.objects.filter(
            channel__kind=ChannelKind.TELEGRAM,
            messages__erased_from_chat_at__isnull=True,
            messages__created_at__gte=now - ERASABLE_FOR,
        )
        .exclude(messages__created_at__gte=quiet_since)
        .exclude(outbox__action=OutboundAction.ERASE, outbox__state=OutboxState.QUEUED)
        .select_related("channel", "data_key__unit_key")
        .distinct()
    )
    queued = 0
    for contact in candidates:
        with transaction.atomic():
            if chat_erase_queue(contact=contact) is not None:
                queued += 1
    return queued


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


def _held() -> Q:
    """Staff replies to a contact who stopped the conversation: they wait,
    neither due nor counted for the next wake-up, until the person goes on."""
    return Q(action=OutboundAction.SEND, queued_by__isnull=False, contact__stopped_at__isnull=False)


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
        .exclude(_held())
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
            .exclude(_held())
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


def outbox_next_due() -> dt.datetime | None:
    """When the earliest queued message falls due (None: nothing queued)."""
    return (
        OutboundMessage.objects.filter(state=OutboxState.QUEUED)
        .exclude(_held())
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Job:
    """One send, decrypted for the provider call."""

    address: str
    text: str
    buttons: list[tuple[str, str]]
    erase_ids: list[int]
    #: `text` is a callback query id to answer.
    ack: bool = False
    #: Delete `erase_ids` from the chat (none left: nothing to call).
    erase: bool = False


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
        for m in messages:
            if m.erase_served:
                m.erase_message_ids = _served_ids(m)
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
        send = _send_telegram if channel.kind == ChannelKind.TELEGRAM else _send_facebook
        outcomes = send(channel.api_url, channel.token or "", batch)
        for message, outcome in zip(messages, outcomes, strict=True):
            _settle(message, outcome)
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


def _settle(message: OutboundMessage, outcome: Outcome) -> None:
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
                chat_erase_queue(
                    contact=message.contact, messages=[shown], at=now + RECEIPT_VISIBLE_FOR
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


def _send_telegram(api_url: str, token: str, batch: list[Job]) -> list[Outcome]:
    return asyncio.run(_telegram_batch(api_url, token, batch))


async def _telegram_batch(api_url: str, token: str, batch: list[Job]) -> list[Outcome]:
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
            for job in batch:
                await pace.wait()
                outcomes.append(await _telegram_one(bot, job))
    except InvalidToken:
        outcomes += [Outcome("failed", reason="bad_token")] * (len(batch) - len(outcomes))
    except (TimedOut, NetworkError, RetryAfter, BadRequest, Forbidden):
        # Raised while starting or closing the bot, never by a send (those are
        # caught one by one): what has no outcome yet was not sent.
        outcomes += [Outcome("retry", reason="network")] * (len(batch) - len(outcomes))
    return outcomes


async def _telegram_one(bot: Any, job: Job) -> Outcome:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

    try:
        if job.ack:
            await bot.answer_callback_query(callback_query_id=job.text)
            return Outcome("sent")
        if job.erase:
            for start in range(0, len(job.erase_ids), ERASE_BATCH):
                await bot.delete_messages(
                    chat_id=int(job.address), message_ids=job.erase_ids[start : start + ERASE_BATCH]
                )
            return Outcome("sent")
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=payload)]
                    for payload, label in job.buttons
                ]
            )
            if job.buttons
            else None
        )
        sent = await bot.send_message(chat_id=int(job.address), text=job.text, reply_markup=markup)
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


def _facebook_message(job: Job) -> dict[str, Any]:
    """Text with quick replies (at most 13, titles of at most 20 characters)."""
    message: dict[str, Any] = {"text": job.text}
    if job.buttons:
        message["quick_replies"] = [
            {
                "content_type": "text",
                "title": text_cut(label, QUICK_REPLY_TITLE),
                "payload": payload,
            }
            for payload, label in job.buttons[:13]
        ]
    return message


def _send_facebook(api_url: str, token: str, batch: list[Job]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with httpx.Client(timeout=httpx.Timeout(15, connect=5)) as client:
        for job in batch:
            if job.erase:  # never queued: Messenger cannot delete a person's messages
                outcomes.append(Outcome("failed", reason="unsupported"))
                continue
            try:
                response = client.post(
                    f"{api_url}/{GRAPH_VERSION}/me/messages",
                    params={"access_token": token},
                    json={
                        "recipient": {"id": job.address},
                        "messaging_type": "RESPONSE",
                        "message": _facebook_message(job),
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
