"""Every read of contacts starts from what this user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from safepassage.audit.services import Readable, audit_record, rows_readable
from safepassage.cases.selectors import CaseNotFound, case_get_for_user
from safepassage.forces.selectors import units_near
from safepassage.geo.selectors import township_by_pcode, township_search

from .conversation import QUESTIONS
from .models import Contact, ContactMessage, ContactNote, OutboundMessage, WebSession
from .policies import channel_scope, user_reads_contacts
from .web import web_session_hash

INBOX_SIZE = 100


class _Bodied(Protocol):
    @property
    def body(self) -> str: ...


_WithBody = TypeVar("_WithBody", bound=_Bodied)


class ContactNotFound(Exception):
    """No such contact for this user."""


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    """Conversations (root contacts: those that did not resume another)
    not yet handed over, of the channels the user reads."""
    if not user_reads_contacts(user):
        return Contact.objects.none()
    return Contact.objects.filter(channel_scope(user), case__isnull=True, continues__isnull=True)


def inbox(*, user: Any) -> list[Contact]:
    """Contacts with their latest activity first. Shows no personal field."""
    return list(
        contacts_visible_to(user)
        .select_related("channel")
        .annotate(messages_in=Count("messages"), last_at=Max("messages__created_at"))
        .order_by("-last_inbound_at", "-pk")[:INBOX_SIZE]
    )


def contact_get_for_user(*, user: Any, pk: int, request: Any = None) -> Contact:
    """The contact, if the user may read it. Raises ContactNotFound.

    A refused look-up of an existing contact is audited
    (`intake.access_refused`) without saying so to the user.
    """
    found = (
        contacts_visible_to(user)
        .select_related("channel", "data_key__unit_key")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        other = Contact.objects.filter(pk=pk).only("pk", "channel_id").first()
        if other is not None:
            audit_record(
                actor=user,
                action="intake.access_refused",
                target=other,
                details={"channel": other.channel_id},
                request=request,
            )
        raise ContactNotFound()
    return found


def _body_read(row: _WithBody) -> _WithBody:
    """`rows_readable`'s reader: the row, its body decrypted now."""
    _ = row.body
    return row


def replies_pending(*, contact: Contact) -> Readable[OutboundMessage]:
    """Replies not (or not surely) delivered, for the operator to see; one
    whose text fails its integrity check is left out, counted and reported."""
    return rows_readable(
        contact.outbox.exclude(state="sent")
        .exclude(action="ack")
        .select_related("data_key__unit_key", "contact__case"),
        read=_body_read,
        found_in="intake.replies_pending",
    )


def routing_suggestions(*, township_query: str, n: int = 5) -> tuple[Any, list[Any]]:
    """(the township understood, or None; units near it, best first)."""
    matches = township_search(township_query, limit=1) if township_query.strip() else []
    township = township_by_pcode(matches[0].pcode) if matches else None
    return township, (units_near(township, n) if township is not None else [])


def conversation_whole(*, root: Contact, actor: Any = None) -> Readable[ContactMessage]:
    """The messages of a conversation and of its continuations on other
    channels, in time order. For callers that already hold `root` rightly:
    the inbox (through `contacts_visible_to`) or the person (web resume).
    A message that fails its integrity check (altered, or under another
    unit's key) is left out, counted (`unreadable`) and reported to
    headquarters; the others show."""
    return rows_readable(
        ContactMessage.objects.filter(Q(contact=root) | Q(contact__continues=root))
        .select_related(
            "data_key__unit_key", "contact__channel", "contact__case", "contact__continues__case"
        )
        .order_by("created_at", "pk"),
        read=_body_read,
        found_in="intake.conversation",
        actor=actor,
    )


def web_conversation_root(*, token: str | None) -> Contact | None:
    """The root contact of the live web session whose token is `token`
    (`web.web_session_open`), else None."""
    if not token:
        return None
    session = (
        WebSession.objects.filter(token_hash=web_session_hash(token), expires_at__gt=timezone.now())
        .select_related("contact__channel", "contact__data_key__unit_key")
        .first()
    )
    if session is None or session.contact.continues_id is not None or not session.contact.code:
        return None
    return session.contact


def notes(*, contact: Contact) -> Readable[ContactNote]:
    """The operators' notes; an altered one is left out, counted and reported."""
    return rows_readable(
        contact.notes.select_related("data_key__unit_key", "author", "contact__case"),
        read=_body_read,
        found_in="intake.notes",
    )


@dataclass(frozen=True)
class AnswerShown:
    question: str
    answer: str


@dataclass(frozen=True)
class Answers:
    rows: list[AnswerShown]
    township: str
    township_pcode: str


def answers_shown(*, contact: Contact) -> Answers:
    """The conversation's answers, labelled for display (choices in the
    reader's language, free text as written)."""
    given = contact.answers or {}
    rows = []
    for question in QUESTIONS:
        value = given.get(question.name)
        if value:
            label = next((str(c.label) for c in question.choices if c.value == value), value)
            rows.append(AnswerShown(str(question.label or question.prompt), label))
    return Answers(rows, str(given.get("township", "")), str(given.get("township_pcode", "")))


def conversation_channels(*, root: Contact) -> list[str]:
    """The channels a conversation was carried on (names, not addresses)."""
    names = [root.channel.name]
    names += [
        c.channel.name for c in Contact.objects.filter(continues=root).select_related("channel")
    ]
    return list(dict.fromkeys(names))


def contact_of_case(*, user: Any, code: str, request: Any = None) -> Contact | None:
    """The conversation handed over to (or joined to) a case this user may
    see; None when there is none or the case is not theirs. Asking for an
    existing case of another unit is audited (`cases.access_refused`, by
    `case_get_for_user`)."""
    try:
        case = case_get_for_user(user=user, code=code, request=request)
    except CaseNotFound:
        return None
    return (
        Contact.objects.filter(case=case)
        .select_related("channel", "data_key__unit_key", "case__unit")
        .first()
    )
