"""The intake app's writes for staff and set-up: channels, triage, the
hand-over to a case, notes, prepared replies. Keyword-only, atomic, audited.

What a webhook stores lives in `updates.py` (and `quarantine.py`), the
retention purge in `purge.py`, the outbox's queuing in `outbox/`; the names
other apps and commands call are re-exported here, so that `services` stays
the one door to intake's writes.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit
from safepassage.accounts.policies import check_headquarters
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.cases.codes import InvalidCaseCode, case_code_normalize
from safepassage.cases.models import Case, Category, Stage
from safepassage.cases.selectors import case_named_by_code
from safepassage.cases.services import case_open

from .conversation import QUESTION_BY_NAME
from .heard import conversation_heard
from .models import (
    DEFAULT_API_URL,
    CannedReply,
    Channel,
    ChannelKind,
    Contact,
    ContactMessage,
    ContactNote,
    Triage,
)
from .outbox import chat_erase_queue
from .policies import user_reads_contacts
from .purge import Purged, updates_purge
from .quarantine import failure_reason, update_quarantine, update_store_quarantined
from .selectors import answers_shown, contacts_visible_to
from .unit_binding import contact_key_follow, conversation_members, scopes_before
from .updates import Received, update_receive, updates_received_batch

__all__ = [
    "Purged",
    "Received",
    "answer_choice_value",
    "canned_reply_save",
    "channel_create",
    "channel_set_active",
    "contact_answers_text",
    "contact_hand_over",
    "contact_link_case",
    "contact_note_add",
    "contact_triage",
    "conversation_heard",
    "failure_reason",
    "messages_mark_read",
    "update_quarantine",
    "update_receive",
    "update_store_quarantined",
    "updates_purge",
    "updates_received_batch",
    "webhook_secret_generate",
]

logger = logging.getLogger("safepassage.intake")

#: Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as secret_token.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def webhook_secret_generate() -> str:
    """256 bits, in the alphabet Telegram accepts for secret_token."""
    return secrets.token_urlsafe(32)


@transaction.atomic
def channel_create(
    *,
    actor: object,
    kind: str,
    name: str,
    token: str,
    api_url: str = "",
    unit: Unit | None = None,
    app_secret: str = "",
    webhook_secret: str = "",
) -> Channel:
    """A new channel with a fresh webhook secret (or the one given)."""
    if kind not in ChannelKind.values:
        raise ValidationError(f"Unknown channel kind {kind!r}: telegram or facebook.")
    name, token = (name or "").strip(), (token or "").strip()
    if not name or not token:
        raise ValidationError("A channel needs a name and a token.")
    if Channel.objects.filter(name=name).exists():
        raise ValidationError(f"A channel named {name!r} exists already.")
    if kind == ChannelKind.FACEBOOK and not app_secret.strip():
        raise ValidationError("A Facebook channel needs the app secret (it signs deliveries).")
    secret = webhook_secret or webhook_secret_generate()
    if not _SECRET_SHAPE.fullmatch(secret):
        raise ValidationError("The webhook secret may hold only A-Z, a-z, 0-9, _ and -.")
    channel = Channel(
        kind=kind,
        name=name,
        unit=unit,
        token=token,
        webhook_secret=secret,
        app_secret=app_secret.strip(),
        api_url=(api_url or DEFAULT_API_URL[ChannelKind(kind)]).rstrip("/"),
    )
    channel.full_clean(exclude=["data_key"])
    channel.save()
    audit_record(
        actor=actor, action="intake.channel_created", target=channel, details={"kind": kind}
    )
    return channel


@transaction.atomic
def contact_triage(*, actor: Any, contact: Contact, triage: str) -> Contact:
    """Mark a contact genuine, doubtful or a probe ("" clears the mark)."""
    if not user_reads_contacts(actor):
        raise PermissionDenied
    if triage not in ("", *Triage.values):
        raise ValidationError("Unknown triage mark.")
    Contact.objects.filter(pk=contact.pk).update(triage=triage)
    contact.triage = triage
    audit_record(
        actor=actor,
        action="intake.contact_triaged",
        target=contact,
        details={"triage": triage or "none"},
    )
    return contact


@transaction.atomic
def contact_hand_over(*, actor: Any, contact: Contact, unit: Unit) -> Any:
    """Open a case for `contact` in reception unit `unit`; the contact leaves
    the inbox. Returns the case."""
    locked = contacts_visible_to(actor).select_for_update().filter(pk=contact.pk).first()
    if locked is None:
        raise PermissionDenied
    if locked.case_id is not None:
        raise ValidationError(_("This contact was handed over already."))
    if unit.is_headquarters or not unit.is_active:
        raise ValidationError(_("Choose an active reception unit."))
    answers = locked.answers or {}
    category = answer_choice_value("category", answers.get("category", ""))
    stage = answer_choice_value("stage", answers.get("stage", ""))
    case = case_open(
        actor=actor,
        unit=unit,
        summary="",
        category=category if category in Category.values else "",
        stage=stage if stage in Stage.values else "",
        code=locked.code or "",
        opening_note=contact_answers_text(locked),
    )
    _bind_to_case(locked, case)
    audit_record(
        actor=actor,
        action="intake.contact_handed_over",
        target=locked,
        unit=unit,
        details={"case": case.pk},
    )
    contact.refresh_from_db()  # its key moved with the hand-over (unit_binding)
    return case


def _bind_to_case(locked: Contact, case: Case) -> None:
    """Join the conversation whose root is `locked` (row-locked by the
    caller) to `case`, and move its keys, and those of the contacts that
    continue it, from the channels' scopes to the case's unit, in the
    caller's transaction (`unit_binding.py`). A key not under the scope its
    columns named (changed by hand) refuses the whole change."""
    members = conversation_members(locked)
    before = scopes_before(members)
    locked.case = case
    locked.handed_over_at = timezone.now()
    locked.save(update_fields=["case", "handed_over_at"])
    for member, from_scope in zip(members, before, strict=True):
        contact_key_follow(member, from_scope=from_scope)


def answer_choice_value(name: str, value: Any) -> str:
    """The choice an answer names: the value of a button pressed, or free
    text that is one of the choices' labels in English or Burmese (a person
    who typed "Conscript" rather than pressing it); "" otherwise."""
    question = QUESTION_BY_NAME.get(name)
    if question is None or not isinstance(value, str) or not value.strip():
        return ""
    values = {choice.value for choice in question.choices}
    if value in values:
        return value
    typed = " ".join(value.split()).casefold()
    for language in ("en", "my"):
        with translation.override(language):
            for choice in question.choices:
                if str(choice.label).casefold() == typed:
                    return choice.value
    return ""


def contact_answers_text(contact: Contact) -> str:
    """The answers given in the conversation, one line each, for the case
    timeline (in the operator's language; free text as written)."""
    rows = answers_shown(contact=contact).rows
    if not rows:
        return ""
    lines = [f"{row.question}: {row.answer}" for row in rows]
    return str(_("From the advance contact:")) + "\n" + "\n".join(lines)


@transaction.atomic
def contact_note_add(*, actor: Any, contact: Contact, body: str) -> ContactNote:
    """An operator's note on a conversation (never shown to the person)."""
    if not user_reads_contacts(actor):
        raise PermissionDenied
    text = (body or "").strip()
    if not text:
        raise ValidationError(_("The note is empty."))
    note = ContactNote.objects.create(
        contact=contact, data_key=contact.data_key, body=text[:2000], author=actor
    )
    audit_record(actor=actor, action="intake.note_added", target=contact)
    return note


@transaction.atomic
def contact_link_case(*, actor: Any, contact: Contact, code: str) -> Case:
    """Join a conversation to an existing case (the person is registered
    already, and gave its code): the contact leaves the inbox and the
    case's unit reads the conversation from the case."""
    locked = contacts_visible_to(actor).select_for_update().filter(pk=contact.pk).first()
    if locked is None:
        raise PermissionDenied
    try:
        canonical = case_code_normalize(code)
    except InvalidCaseCode:
        raise ValidationError(_("That is not a case code.")) from None
    case = case_named_by_code(canonical)
    if case is None:
        raise ValidationError(_("No case has that code."))
    if Contact.objects.filter(case=case).exists():
        raise ValidationError(_("That case has a conversation already."))
    _bind_to_case(locked, case)
    for unit in {case.unit, actor.unit}:
        audit_record(
            actor=actor,
            action="intake.contact_linked",
            target=locked,
            unit=unit,
            details={"case": case.pk},
        )
    contact.refresh_from_db()  # its key moved with the hand-over (unit_binding)
    return case


def messages_mark_read(*, contact: Contact, messages: list[Any]) -> int:
    """Mark inbound messages seen by an operator; on Telegram, the person's
    own messages are then deleted from their chat (the bot's neutral ones
    stay until the chat is erased after quiet hours). Returns how many."""
    unread = [m for m in messages if m.inbound and m.read_at is None]
    if not unread:
        return 0
    now = timezone.now()
    with transaction.atomic():
        ContactMessage.objects.filter(pk__in=[m.pk for m in unread]).update(read_at=now)
        for member in {m.contact_id for m in unread}:
            own = [m for m in unread if m.contact_id == member and m.erased_from_chat_at is None]
            if own and settings.INTAKE_CHAT_ERASE_AFTER_READ:
                chat_erase_queue(contact=own[0].contact, messages=own)
    return len(unread)


@transaction.atomic
def canned_reply_save(*, actor: Any, canned: CannedReply) -> CannedReply:
    """Create or change a prepared reply (headquarters' administrators only)."""
    _administrator_only(actor)
    canned.full_clean()
    created = canned.pk is None
    canned.save()
    audit_record(
        actor=actor,
        action="intake.canned_reply_" + ("created" if created else "changed"),
        target=canned,
    )
    return canned


@transaction.atomic
def channel_set_active(*, actor: Any, channel: Channel, active: bool) -> Channel:
    """Switch a channel off (its webhook answers 404; the fast path within
    its cache time) or on again. Headquarters' administrators only: the
    channels are headquarters', whichever unit reads them."""
    _administrator_only(actor)
    Channel.objects.filter(pk=channel.pk).update(is_active=active)
    channel.is_active = active
    audit_record(
        actor=actor,
        action="intake.channel_" + ("activated" if active else "deactivated"),
        target=channel,
    )
    return channel


def _administrator_only(actor: Any) -> None:
    """Headquarters' administrators: a unit's administrator acts on its own
    members only (`accounts.policies`)."""
    if not actor.has_any_role([Role.ADMINISTRATOR]):
        raise PermissionDenied
    check_headquarters(actor)
