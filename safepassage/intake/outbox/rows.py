"""What a queued message is made of: the outbox's rows, made without
waking the sender (`queue.py` wakes it), and the limits they keep."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record

from ..models import Contact, OutboundAction, OutboundMessage, OutboxState

PER_CHAT_SECONDS = 1.0
LEASE = dt.timedelta(seconds=120)
MAX_ATTEMPTS = 8
MAX_TEXT = 4096  # Telegram's limit for one message
#: How long the receipt stays in a Telegram chat if the person never says
#: it is saved.
RECEIPT_VISIBLE_FOR = dt.timedelta(minutes=10)
#: Kept in the log in place of a secret message once it has left.
SECRET_SHOWN = "[receipt shown once: not kept]"  # noqa: S105 (a placeholder)


@dataclass
class BotReply:
    """One message of the bot's (`conversation/` writes them)."""

    body: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    #: The receipt: overwritten once it has left (`SECRET_SHOWN`).
    secret: bool = False
    #: Deleted from the chat once it has served (a question, the notice).
    transient: bool = False


def message_row(
    contact: Contact,
    text: str,
    *,
    queued_by: User | None = None,
    buttons: list[tuple[str, str]] | None = None,
    secret: bool = False,
    transient: bool = False,
) -> OutboundMessage:
    return OutboundMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        body=text,
        buttons=[list(b) for b in buttons or []],
        secret=secret,
        transient=transient and not secret,
        next_attempt_at=timezone.now(),
        queued_by=queued_by,
    )


def erase_row(contact: Contact, ids: list[int], *, at: dt.datetime | None) -> OutboundMessage:
    """An entry deleting `ids` from the contact's chat, audited."""
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
    return message


def held() -> Q:
    """Staff replies to a contact who stopped the conversation: they wait,
    neither due nor counted for the next wake-up, until the person goes on."""
    return Q(action=OutboundAction.SEND, queued_by__isnull=False, contact__stopped_at__isnull=False)


def outbox_next_due() -> dt.datetime | None:
    """When the earliest queued message falls due (None: nothing queued)."""
    return (
        OutboundMessage.objects.filter(state=OutboxState.QUEUED)
        .exclude(held())
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
