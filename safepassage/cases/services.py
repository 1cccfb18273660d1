"""Every write to a case. Keyword-only, atomic, audited in the same transaction.

Locking: services that change a case take a row lock on it
(`select_for_update`) and compare `expected_version` with the stored
version, so two people editing the same case cannot overwrite each other
unnoticed (the later one gets StaleCase). `audit_record` is called last,
because it serialises writers until the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit, User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.audit.vault_alerts import record_unit_mismatch
from safepassage.vault import keys
from safepassage.vault.exceptions import UnitMismatch
from safepassage.vault.fields import PendingFile, StoredFile

from .army_units import rank_for_text, unit_left_value
from .codes import case_code_generate
from .models import (
    Case,
    CaseEvent,
    CaseTransfer,
    Category,
    EventKind,
    FamilyMember,
    Person,
    PersonPhone,
    Priority,
    ServiceRecord,
    Stage,
    Task,
    TransferStatus,
)
from .policies import PERSON_EDITORS, user_may_act_on_case
from .signals import case_unit_moving
from .workflow import (
    HANDOVER,
    HANDOVER_ROLES,
    TRANSFERABLE,
    Status,
    move_for,
)


class StaleCase(Exception):
    """The case changed since the form was loaded."""

    message = _("Someone else changed this case meanwhile. Reload it and try again.")


class IllegalTransition(Exception):
    """The move is not in the workflow table, or not for this user."""

    message = _("This change of status is not allowed.")


_CODE_ATTEMPTS = 8


def _lock(case: Case, expected_version: int | None) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleCase()
    return locked


def case_lock(case: Case) -> Case:
    """The case's row, locked until the caller's transaction ends: for
    another app's service that must hold the case still while it writes
    its own rows (a plan opened once). Call inside `transaction.atomic`."""
    return _lock(case, None)


def _bump(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


@dataclass
class CaseWrite:
    """What the body of `_case_write` hands back: the locked case, the
    audit event's details, and the case's own columns it changed."""

    case: Case
    details: dict[str, Any] = field(default_factory=dict)
    fields: tuple[str, ...] = ()


@contextmanager
def _case_write(
    case: Case,
    *,
    actor: User,
    action: str,
    roles: Collection[str] = (),
    expected_version: int | None = None,
) -> Iterator[CaseWrite]:
    """The steps every write to a case takes, in this order: lock its row
    (StaleCase when `expected_version` is given and differs), check that
    `actor` may act on it and holds one of `roles` (PermissionDenied), run
    the body, bump the version, record `action` in the audit chain with the
    body's details, and give the caller's `case` the new version. A body
    that raises leaves no bump and no audit event (the caller's transaction
    rolls back what it wrote)."""
    locked = _lock(case, expected_version)
    if not user_may_act_on_case(actor, locked) or (roles and not actor.has_any_role(roles)):
        raise PermissionDenied
    write = CaseWrite(locked)
    yield write
    _bump(locked, *write.fields)
    audit_record(
        actor=actor, action=action, target=locked, unit=locked.unit, details=write.details or None
    )
    case.version = locked.version


@transaction.atomic
def case_open(
    *,
    actor: User | None,
    unit: Unit,
    category: str = "",
    priority: int = Priority.NORMAL,
    summary: str = "",
    stage: str = "",
    code: str = "",
    opening_note: str = "",
) -> Case:
    """A new case in `unit`, with its own data key and an empty service record.
    `code` keeps a code handed out already (advance contact), if still free;
    `opening_note` (what the person told before the case existed) goes on
    the timeline as a note of the actor opening the case."""
    if not unit.is_active:
        raise ValidationError(_("The unit is not active."))
    if category and category not in Category.values:
        raise ValidationError(_("Unknown category."))
    if stage and stage not in Stage.values:
        raise ValidationError(_("Unknown stage."))
    if priority not in Priority.values:
        raise ValidationError(_("Unknown priority."))
    data_key = keys.data_key_create(scope=keys.scope_for_unit(unit.pk), owner="cases.case")
    for _attempt in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    code=(code if _attempt == 0 and code else case_code_generate()),
                    unit=unit,
                    priority=priority,
                    summary=summary,
                    data_key=data_key,
                )
            break
        except IntegrityError:
            continue  # a code collision (one in 34 billion); draw again
    else:
        raise IntegrityError("Could not draw an unused case code.")
    ServiceRecord.objects.create(case=case, data_key=data_key, category=category, stage=stage)
    CaseEvent.objects.create(
        case=case,
        data_key=data_key,
        kind=EventKind.OPENED,
        actor=actor,
        to_status=case.status,
        body="",
    )
    if opening_note.strip():
        CaseEvent.objects.create(
            case=case, data_key=data_key, kind=EventKind.NOTE, actor=actor, body=opening_note
        )
    audit_record(
        actor=actor,
        action="cases.opened",
        target=case,
        unit=unit,
        details={"category": category or None},
    )
    return case


@transaction.atomic
def case_transition(
    *,
    actor: User,
    case: Case,
    target: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Move a case along one row of the workflow table.

    Raises IllegalTransition (no such move, not this user's move, or the
    user may not act on this case), StaleCase, or ValidationError (a reason
    is required and missing).
    """
    locked = _lock(case, expected_version)
    if target not in Status.values:
        raise IllegalTransition()
    move = move_for(locked.status, target)
    if move is None or not user_may_act_on_case(actor, locked):
        raise IllegalTransition()
    if not actor.has_any_role(move.roles):
        raise IllegalTransition()
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise ValidationError(_("Give a reason for this change."))
    source = locked.status
    locked.status = target
    _bump(locked, "status")
    CaseEvent.objects.create(
        case=locked,
        data_key=locked.data_key,
        kind=EventKind.STATUS,
        actor=actor,
        from_status=source,
        to_status=target,
        body=reason,
    )
    audit_record(
        actor=actor,
        action="cases.transitioned",
        target=locked,
        unit=locked.unit,
        details={"from": source, "to": target},
    )
    case.status, case.version = locked.status, locked.version
    return locked


@transaction.atomic
def case_note_add(
    *, actor: User, case: Case, body: str, expected_version: int | None = None
) -> CaseEvent:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("The note is empty."))
    with _case_write(
        case, actor=actor, action="cases.note_added", expected_version=expected_version
    ) as write:
        locked = write.case
        return CaseEvent.objects.create(
            case=locked, data_key=locked.data_key, kind=EventKind.NOTE, actor=actor, body=body
        )


@transaction.atomic
def case_message_received(*, case_id: int) -> None:
    """The person wrote again in the conversation handed over to this case:
    the case shows as unread to its unit, and its "updated" time moves.
    Called by intake as the message is stored (the system is the actor)."""
    case = Case.objects.select_for_update().select_related("unit").filter(pk=case_id).first()
    if case is None:
        return
    now = timezone.now()
    unread_since = case.conversation_unread_since or now
    Case.objects.filter(pk=case.pk).update(updated_at=now, conversation_unread_since=unread_since)
    if case.conversation_unread_since is None:
        audit_record(actor=None, action="cases.conversation_unread", target=case, unit=case.unit)


@transaction.atomic
def case_conversation_read(*, actor: User, case: Case) -> bool:
    """The case's unit read the conversation: nothing is unread any more.
    True when something was unread. Raises PermissionDenied for a user who
    may not act on the case."""
    if not user_may_act_on_case(actor, case):
        raise PermissionDenied
    changed = Case.objects.filter(pk=case.pk, conversation_unread_since__isnull=False).update(
        conversation_unread_since=None
    )
    case.conversation_unread_since = None
    if changed:
        audit_record(actor=actor, action="cases.conversation_read", target=case, unit=case.unit)
    return bool(changed)


@transaction.atomic
def case_transfer_request(
    *, actor: User, case: Case, to_unit: Unit, expected_version: int | None = None
) -> CaseTransfer:
    """Offer a case to another unit. The case stays where it is until accepted.

    Before the person is received (TRANSFERABLE), by the unit's handlers
    and intake operators; after they joined an allied force (HANDOVER), by
    the roles that record the pathway, to hand the case to that force."""
    locked = _lock(case, expected_version)
    handover = locked.status in HANDOVER
    roles = HANDOVER_ROLES if handover else {"unit_handler", "intake_operator"}
    if not user_may_act_on_case(actor, locked) or not actor.has_any_role(roles):
        raise PermissionDenied
    if locked.status not in TRANSFERABLE and not handover:
        raise ValidationError(_("A case can be transferred only before the person is received."))
    if to_unit.pk == locked.unit_id or not to_unit.is_active:
        raise ValidationError(_("Choose another, active unit."))
    if CaseTransfer.objects.filter(case=locked, status=TransferStatus.PENDING).exists():
        raise ValidationError(_("A transfer of this case is already waiting for an answer."))
    transfer = CaseTransfer.objects.create(
        case=locked, from_unit_id=locked.unit_id, to_unit=to_unit, requested_by=actor
    )
    _bump(locked)
    CaseEvent.objects.create(
        case=locked,
        data_key=locked.data_key,
        kind=EventKind.TRANSFER_REQUESTED,
        actor=actor,
        body="",
    )
    audit_record(
        actor=actor,
        action="cases.transfer_requested",
        target=locked,
        unit=locked.unit,
        details={"to_unit": to_unit.pk},
    )
    case.version = locked.version
    return transfer


def _decide(actor: User, transfer: CaseTransfer) -> tuple[CaseTransfer, Case]:
    locked = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer has already been answered."))
    if actor.unit_id != locked.to_unit_id or not actor.has_any_role({"unit_handler"}):
        raise PermissionDenied
    case = Case.objects.select_for_update().get(pk=locked.case_id)
    return locked, case


def case_transfer_accept(*, actor: User, transfer: CaseTransfer) -> Case:
    """The receiving unit takes the case: ownership and the data key move to it,
    in one transaction.

    A case whose unit column no longer names the unit its key is wrapped
    under (changed by hand) is refused with UnitMismatch, and the alert is
    audited after the transaction has rolled back, so that it stays.
    """
    try:
        return _case_transfer_accept(actor=actor, transfer=transfer)
    except UnitMismatch as exc:
        record_unit_mismatch(exc, actor=actor)
        raise


@transaction.atomic
def _case_transfer_accept(*, actor: User, transfer: CaseTransfer) -> Case:
    locked, case = _decide(actor, transfer)
    from_unit_id = case.unit_id
    locked.status = TransferStatus.ACCEPTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    # The key moves with the column, in this transaction: the case stays
    # readable only under the unit that owns it (a unit column changed by
    # hand is refused here too, not laundered).
    keys.data_key_move(
        data_key=case.data_key,
        scope=keys.scope_for_unit(locked.to_unit_id),
        from_scope=keys.scope_for_unit(from_unit_id),
        row=case,
    )
    # Records of other apps bound to the case's unit (its conversation)
    # move with it, here; one that refuses refuses the transfer.
    case_unit_moving.send(
        sender=Case,
        case=case,
        from_unit_id=from_unit_id,
        to_unit_id=locked.to_unit_id,
        actor=actor,
    )
    case.unit_id = locked.to_unit_id
    _bump(case, "unit")
    case.assigned.clear()
    CaseEvent.objects.create(
        case=case,
        data_key=case.data_key,
        kind=EventKind.TRANSFER_ACCEPTED,
        actor=actor,
        body="",
    )
    audit_record(
        actor=actor,
        action="cases.transfer_accepted",
        target=case,
        unit=case.unit,
        details={"from_unit": from_unit_id},
    )
    return case


@transaction.atomic
def case_transfer_decline(*, actor: User, transfer: CaseTransfer, reason: str = "") -> None:
    locked, case = _decide(actor, transfer)
    locked.status = TransferStatus.DECLINED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    _bump(case)
    CaseEvent.objects.create(
        case=case,
        data_key=case.data_key,
        kind=EventKind.TRANSFER_DECLINED,
        actor=actor,
        body=(reason or "").strip(),
    )
    audit_record(
        actor=actor,
        action="cases.transfer_declined",
        target=case,
        unit=case.unit,
        details={"to_unit": locked.to_unit_id},
    )


PERSON_FIELDS = (
    "honorific",
    "name_my",
    "name_latin",
    "aliases",
    "sex",
    "birth",
    "father_name",
    "nrc",
    "home_township",
)


@transaction.atomic
def person_save(
    *,
    actor: User,
    case: Case,
    data: dict[str, Any],
    phones: list[str],
    expected_version: int | None = None,
) -> Person:
    """Create or update the case's person from cleaned form data (PersonForm).

    Values arrive normalised (Unicode Burmese, canonical NRC, E.164 phones).
    `data["photo"]`, an uploaded image, replaces the stored photo (its
    metadata stripped on save); `data["photo_remove"]` removes it. A
    replaced or removed photo's encrypted file is deleted once the
    transaction commits. The audit event names the fields that changed,
    never their values.
    """
    with _case_write(
        case,
        actor=actor,
        action="cases.person_saved",
        roles=PERSON_EDITORS,
        expected_version=expected_version,
    ) as write:
        person, changed = _person_write(write.case, data, phones)
        write.details = {"fields": sorted(changed)}
    return person


def _person_write(
    locked: Case, data: dict[str, Any], phones: list[str]
) -> tuple[Person, list[str]]:
    person = Person.objects.filter(case=locked).first() or Person(
        case=locked, data_key=locked.data_key
    )
    changed = [
        name
        for name in PERSON_FIELDS
        if getattr(person, name) != (data.get(name) if data.get(name) != "" else None)
    ]
    for name in PERSON_FIELDS:
        value = data.get(name)
        setattr(person, name, value if value not in ("", []) else None)
    old_photo = person.photo if person.pk else None
    if data.get("photo"):
        person.photo = PendingFile.from_file(data["photo"])
        changed.append("photo")
    elif data.get("photo_remove") and old_photo:
        person.photo = None
        changed.append("photo")
    else:
        old_photo = None  # kept
    person.save()
    if isinstance(old_photo, StoredFile):
        path = old_photo.path
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    existing = {p.number: p for p in person.phones.all()} if person.pk else {}
    for number, phone in existing.items():
        if number not in phones:
            phone.delete()
    for number in phones:
        if number not in existing:
            PersonPhone.objects.create(person=person, data_key=locked.data_key, number=number)
    if set(existing) != set(phones):
        changed.append("phones")
    return person, changed


SERVICE_RECORD_FIELDS = ("category", "stage", "rank", "unit_left", "unit_left_text")


@transaction.atomic
def service_record_save(
    *,
    actor: User,
    case: Case,
    category: str,
    stage: str,
    rank: str,
    unit_left: dict[str, Any] | None,
    unit_left_text: str,
    expected_version: int | None = None,
) -> ServiceRecord:
    """Create or update what the person left (ServiceRecordForm's values).

    ``unit_left`` is validated again (``army_units.unit_left_value``) and
    ``rank`` must be a known rank's Burmese term or "", so that a caller
    other than the form cannot store what reports cannot count. The audit
    event names the fields that changed, never their values.
    """
    if category and category not in Category.values:
        raise ValidationError(_("Unknown category."))
    if stage and stage not in Stage.values:
        raise ValidationError(_("Unknown stage."))
    if rank and rank_for_text(rank) is None:
        raise ValidationError(_("Choose a rank from the list."))
    values: dict[str, Any] = {
        "category": category,
        "stage": stage,
        "rank": rank or None,
        "unit_left": _unit_left_checked(unit_left),
        "unit_left_text": unit_left_text or None,
    }
    with _case_write(
        case,
        actor=actor,
        action="cases.service_record_saved",
        roles=PERSON_EDITORS,
        expected_version=expected_version,
    ) as write:
        locked = write.case
        record = ServiceRecord.objects.filter(case=locked).first() or ServiceRecord(
            case=locked, data_key=locked.data_key
        )
        changed = sorted(
            name
            for name in SERVICE_RECORD_FIELDS
            if record.pk is None or (getattr(record, name) or None) != (values[name] or None)
        )
        for name, value in values.items():
            setattr(record, name, value)
        record.save()
        write.details = {"fields": changed}
    return record


def _unit_left_checked(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(_("The unit left is not in the expected form."))
    batch = value.get("batch")
    if batch is not None and not isinstance(batch, dict):
        raise ValidationError(_("The unit left is not in the expected form."))
    batch = batch or {}
    checked = unit_left_value(
        unit_type=value.get("type"),
        unit_number=value.get("number"),
        batch_number=batch.get("number"),
        batch_year=batch.get("year"),
    )
    if checked != value:
        raise ValidationError(_("The unit left is not in the expected form."))
    return checked


@transaction.atomic
def task_create(
    *,
    actor: User,
    case: Case,
    title: str,
    due_on: dt.date | None = None,
    assignee: User | None = None,
) -> Task:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("The task needs a title."))
    with _case_write(case, actor=actor, action="cases.task_created") as write:
        locked = write.case
        if assignee is not None and assignee.unit_id != locked.unit_id:
            raise ValidationError(_("Tasks go to members of the case's unit."))
        task = Task.objects.create(
            case=locked, data_key=locked.data_key, title=title, due_on=due_on, assignee=assignee
        )
        write.details = {"task": task.pk, "has_due_date": due_on is not None}
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task) -> Task:
    locked_task = Task.objects.select_for_update().select_related("case").get(pk=task.pk)
    with _case_write(locked_task.case, actor=actor, action="cases.task_completed") as write:
        if locked_task.done_at is not None:
            raise ValidationError(_("This task is already done."))
        locked_task.done_at = timezone.now()
        locked_task.save(update_fields=["done_at"])
        write.details = {"task": locked_task.pk}
    return locked_task


FAMILY_FIELDS = ("relation", "name", "township", "risk_notes")
# Who may record a case's family: those who edit the person, and the
# protection officers who assess the family's risk.
FAMILY_EDITORS = PERSON_EDITORS | {Role.PROTECTION_OFFICER}


@transaction.atomic
def family_member_save(
    *,
    actor: User,
    case: Case,
    relation: str,
    name: str,
    township: str,
    risk_notes: str,
    member: FamilyMember | None = None,
) -> FamilyMember:
    """Add a family member to the case's person, or change `member`.

    Every field is encrypted under the case's key. Refused (ValidationError)
    while the case has no person; the audit names the fields changed,
    never their values.
    """
    values = {"relation": relation, "name": name, "township": township, "risk_notes": risk_notes}
    with _case_write(
        case, actor=actor, action="cases.family_member_saved", roles=FAMILY_EDITORS
    ) as write:
        locked = write.case
        person = Person.objects.filter(case=locked).first()
        if person is None:
            raise ValidationError(
                _("Record the person first; family members belong to the person.")
            )
        if member is not None and member.person_id != person.pk:
            raise PermissionDenied
        target = member or FamilyMember(person=person, data_key=locked.data_key)
        changed = sorted(k for k, v in values.items() if getattr(target, k) != (v or None))
        for key, value in values.items():
            setattr(target, key, (value or "").strip() or None)
        target.save()
        write.details = {"member": target.pk, "created": member is None, "fields": changed}
    return target


@transaction.atomic
def task_raise(
    *, case: Case, title: str, due_on: dt.date | None = None, assignee: User | None = None
) -> Task:
    """A task raised by the system (a background job), not by a user: no
    actor to check; the audit names the system. `assignee`, when given,
    must be a member of the case's unit."""
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("The task needs a title."))
    locked = _lock(case, None)
    if assignee is not None and assignee.unit_id != locked.unit_id:
        assignee = None
    task = Task.objects.create(
        case=locked, data_key=locked.data_key, title=title, due_on=due_on, assignee=assignee
    )
    _bump(locked)
    audit_record(
        actor=None,
        action="cases.task_created",
        target=locked,
        unit=locked.unit,
        details={"task": task.pk, "has_due_date": due_on is not None, "raised": True},
    )
    case.version = locked.version
    return task


@transaction.atomic
def case_assign(*, actor: User, case: Case, users: list[User]) -> Case:
    """Set who works on a case: members of its unit holding a case role."""
    from .policies import user_holds_case_role

    with _case_write(
        case, actor=actor, action="cases.assigned", roles={Role.UNIT_HANDLER}
    ) as write:
        locked = write.case
        for user in users:
            if user.unit_id != locked.unit_id or not user_holds_case_role(user):
                raise ValidationError(
                    _("Only staff of this unit with a case role can be assigned.")
                )
        locked.assigned.set(users)
        write.details = {"users": sorted(u.pk for u in users)}
    return locked
