"""Every write of the intake app. Keyword-only, atomic, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit
from safepassage.accounts.policies import check_headquarters
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.cases.models import Case, Category, Stage
from safepassage.cases.selectors import case_named_by_code
from safepassage.vault.exceptions import DecryptionError
from safepassage.vault.keys import data_key_shred

from .models import (
    DEFAULT_API_URL,
    CannedReply,
    Channel,
    ChannelKind,
    Contact,
    ContactMessage,
    ContactNote,
    InboundUpdate,
    Triage,
    UpdateState,
)
from .storable import DEPTH, NUL, SURROGATE, storable_text
from .unit_binding import contact_key_follow, conversation_members, scopes_before

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


@dataclass(frozen=True)
class Received:
    update: InboundUpdate
    created: bool


def update_receive(
    *,
    channel: Channel,
    provider_id: str,
    kind: str,
    payload: str,
    ignored: bool = False,
    one_by_one: bool = True,
    quarantine: str = "",
) -> Received:
    """Store one delivery, once. A second delivery with the same provider id
    changes nothing (providers retry until they get a 2xx).

    `quarantine` (a reason code from `storable.py`) stores it quarantined:
    audited on its own, never queued for reading. The caller has made
    `provider_id` and `payload` encodable (`storable.py`).

    `one_by_one=False` is for a caller storing many in one transaction (the
    spool's drain): it audits and queues the processing of the batch itself.
    """
    existing = InboundUpdate.objects.filter(channel=channel, provider_id=provider_id).first()
    if existing is not None:
        return Received(existing, created=False)
    if ignored:
        state = UpdateState.IGNORED
    elif quarantine:
        state = UpdateState.QUARANTINED
    else:
        state = UpdateState.RECEIVED
    try:
        with transaction.atomic():
            update = InboundUpdate.objects.create(
                channel=channel,
                provider_id=provider_id,
                kind=kind,
                payload="" if ignored else payload,
                state=state,
                reason=quarantine[:40] if state == UpdateState.QUARANTINED else "",
            )
            if one_by_one:
                audit_record(
                    actor=None,
                    action="intake.update_received",
                    target=update,
                    details={"kind": kind, "ignored": ignored},
                )
            if state == UpdateState.QUARANTINED:
                _quarantine_audit(update, stage="door")
    except IntegrityError:  # the same delivery, stored by a concurrent request
        return Received(
            InboundUpdate.objects.get(channel=channel, provider_id=provider_id), created=False
        )
    if one_by_one and update.state == UpdateState.RECEIVED:
        transaction.on_commit(lambda: _enqueue(update.pk))
    return Received(update, created=True)


def _quarantine_audit(update: InboundUpdate, *, stage: str) -> None:
    logger.warning(
        "intake: update %s on channel %s quarantined at %s (%s)",
        update.pk,
        update.channel_id,
        stage,
        update.reason,
    )
    audit_record(
        actor=None,
        action="intake.update_quarantined",
        target=update,
        details={"kind": update.kind, "reason": update.reason, "stage": stage},
    )


def failure_reason(exc: BaseException) -> str:
    """A short reason code for a failure to store or read an update (the
    exception's class, never its message: a database's may quote values)."""
    if isinstance(exc, UnicodeError):
        return SURROGATE
    if isinstance(exc, RecursionError):
        return DEPTH
    if isinstance(exc, DecryptionError):
        return "undecryptable"
    if isinstance(exc, DataError):
        return "data"
    if isinstance(exc, IntegrityError):
        return "integrity"
    if isinstance(exc, ValueError) and "NUL" in str(exc):
        return NUL  # psycopg refuses NUL in text before PostgreSQL sees it
    return "error:" + type(exc).__name__[:34]


@transaction.atomic
def update_store_quarantined(
    *, channel: Channel, provider_id: str, kind: str, payload: str, reason: str
) -> InboundUpdate:
    """Keep a delivery that could not be stored as it came (the spool's
    drain, when storing it failed): quarantined, under a provider id that
    is a digest of the one it came with (so that a second try finds it),
    kind and payload made encodable. Cannot fail on the delivery's values."""
    digest = hashlib.sha256(provider_id.encode("utf-8", "surrogatepass")).hexdigest()
    safe_id = "quarantine:" + digest[:64]
    existing = InboundUpdate.objects.filter(channel=channel, provider_id=safe_id).first()
    if existing is not None:
        return existing
    safe_kind = kind if kind.isascii() and kind.isprintable() and len(kind) <= 40 else "other"
    update = InboundUpdate.objects.create(
        channel=channel,
        provider_id=safe_id,
        kind=safe_kind,
        payload=storable_text(payload),
        state=UpdateState.QUARANTINED,
        reason=reason[:40],
    )
    _quarantine_audit(update, stage="drain")
    return update


@transaction.atomic
def update_quarantine(*, update: InboundUpdate, reason: str) -> None:
    """Set a stored update aside: reading it failed for a reason in the
    update itself. Call after rolling back whatever reading it wrote."""
    update.state = UpdateState.QUARANTINED
    update.reason = reason[:40]
    update.save(update_fields=["state", "reason"])
    _quarantine_audit(update, stage="processing")


def updates_received_batch(*, updates: list[InboundUpdate]) -> None:
    """Audit a batch stored with `one_by_one=False` and queue its reading
    (call inside the batch's transaction)."""
    if not updates:
        return
    audit_record(
        actor=None,
        action="intake.updates_received",
        details={
            "count": len(updates),
            "first": min(u.pk for u in updates),
            "last": max(u.pk for u in updates),
            "ignored": sum(u.state == UpdateState.IGNORED for u in updates),
        },
    )
    waiting = [u.pk for u in updates if u.state == UpdateState.RECEIVED]
    if waiting:
        transaction.on_commit(lambda: _enqueue_many(waiting))


def _enqueue_many(update_ids: list[int]) -> None:
    from .tasks import process_updates

    try:
        process_updates.enqueue(update_ids)
    except Exception:
        logger.exception("intake: could not enqueue %s updates", len(update_ids))


def _enqueue(update_id: int) -> None:
    """Hand the update to the background worker. Should that fail, the update
    stays `received` and `manage.py intake_process` reads it."""
    from .tasks import process_update

    try:
        process_update.enqueue(update_id)
    except Exception:
        logger.exception("intake: could not enqueue update %s", update_id)


@dataclass(frozen=True)
class Purged:
    updates: int
    cutoff: dt.datetime
    contacts: int = 0


def updates_purge(*, days: int | None = None, batch: int = 500) -> Purged:
    """Destroy raw updates older than `days` (default INTAKE_RAW_RETENTION_DAYS),
    and the contacts that never became cases and have been silent as long.

    Each update's own data key is shredded, then the row deleted, batch by
    batch (each batch one transaction), so that an interrupted purge leaves
    nothing readable half-done behind. One audit event per run, counts only.
    """
    keep = settings.INTAKE_RAW_RETENTION_DAYS if days is None else days
    if keep < 1:
        raise ValidationError("Keep raw updates for at least one day.")
    cutoff = timezone.now() - dt.timedelta(days=keep)
    total = 0
    while True:
        with transaction.atomic():
            old = list(
                InboundUpdate.objects.filter(received_at__lt=cutoff)
                .select_related("data_key")
                .order_by("pk")[:batch]
            )
            if not old:
                break
            for update in old:
                data_key_shred(data_key=update.data_key)
            InboundUpdate.objects.filter(pk__in=[u.pk for u in old]).delete()
            total += len(old)
    contacts = _contacts_purge(cutoff, batch)
    audit_record(
        actor=None,
        action="intake.updates_purged",
        details={"updates": total, "contacts": contacts, "retention_days": keep},
    )
    return Purged(total, cutoff, contacts)


def _contacts_purge(cutoff: dt.datetime, batch: int) -> int:
    """Contacts never handed over and silent since `cutoff` go with their
    conversation and replies: the contact's key is shredded, then its rows
    deleted. Contacts that became cases are the receiving unit's to keep."""
    total = 0
    while True:
        with transaction.atomic():
            silent = list(
                Contact.objects.filter(case__isnull=True, created_at__lt=cutoff)
                .exclude(last_inbound_at__gte=cutoff)
                .select_related("data_key")
                .order_by("pk")[:batch]
            )
            if not silent:
                return total
            for contact in silent:
                data_key_shred(data_key=contact.data_key)
            Contact.objects.filter(pk__in=[c.pk for c in silent]).delete()
            total += len(silent)


@transaction.atomic
def contact_triage(*, actor: Any, contact: Contact, triage: str) -> Contact:
    """Mark a contact genuine, doubtful or a probe ("" clears the mark)."""
    from .policies import user_reads_contacts

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
    from safepassage.cases.services import case_open

    from .selectors import contacts_visible_to

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
    from django.utils import translation

    from .conversation import QUESTION_BY_NAME

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


def conversation_heard(*, contact: Contact) -> None:
    """The person wrote in `contact` (or a contact continuing its
    conversation): if the conversation was handed over to a case, the case
    shows as unread to its unit (through cases' own service)."""
    from safepassage.cases.services import case_message_received

    case_id = contact.case_id
    if case_id is None and contact.continues_id is not None:
        case_id = (
            Contact.objects.filter(pk=contact.continues_id)
            .values_list("case_id", flat=True)
            .first()
        )
    if case_id is not None:
        case_message_received(case_id=case_id)


def contact_answers_text(contact: Contact) -> str:
    """The answers given in the conversation, one line each, for the case
    timeline (in the operator's language; free text as written)."""
    from .selectors import answers_shown

    rows = answers_shown(contact=contact).rows
    if not rows:
        return ""
    lines = [f"{row.question}: {row.answer}" for row in rows]
    return str(_("From the advance contact:")) + "\n" + "\n".join(lines)


@transaction.atomic
def contact_note_add(*, actor: Any, contact: Contact, body: str) -> ContactNote:
    """An operator's note on a conversation (never shown to the person)."""
    from .policies import user_reads_contacts

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
    from safepassage.cases.codes import InvalidCaseCode, case_code_normalize

    from .selectors import contacts_visible_to

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
    from .outbox import chat_erase_queue

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
