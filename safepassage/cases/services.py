"""Every write to a case. Keyword-only, atomic, audited in the same transaction.

Locking: services that change a case take a row lock on it
(`select_for_update`) and compare `expected_version` with the stored
version, so two people editing the same case cannot overwrite each other
unnoticed (the later one gets StaleCase). `audit_record` is called last,
because it serialises writers until the transaction commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit, User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.vault import keys
from safepassage.vault.fields import PendingFile, StoredFile

from .codes import case_code_generate
from .models import (
    SCREENING_EVENT_KIND,
    Case,
    CaseEvent,
    CaseTransfer,
    Category,
    DuplicateProposal,
    DuplicateStatus,
    EventKind,
    Person,
    PersonPhone,
    Priority,
    ScreeningDecision,
    ScreeningOutcome,
    ServiceRecord,
    Stage,
    Task,
    TransferStatus,
)
from .policies import PERSON_EDITORS, user_may_act_on_case
from .workflow import TRANSFERABLE, Status, move_for


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


def _bump(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


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
) -> Case:
    """A new case in `unit`, with its own data key and an empty service record.
    `code` keeps a code handed out already (advance contact), if still free."""
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
    locked = _lock(case, expected_version)
    if not user_may_act_on_case(actor, locked):
        raise PermissionDenied
    _bump(locked)
    event = CaseEvent.objects.create(
        case=locked, data_key=locked.data_key, kind=EventKind.NOTE, actor=actor, body=body
    )
    audit_record(actor=actor, action="cases.note_added", target=locked, unit=locked.unit)
    case.version = locked.version
    return event


@transaction.atomic
def case_transfer_request(
    *, actor: User, case: Case, to_unit: Unit, expected_version: int | None = None
) -> CaseTransfer:
    """Offer a case to another unit. The case stays where it is until accepted."""
    locked = _lock(case, expected_version)
    if not user_may_act_on_case(actor, locked) or not actor.has_any_role(
        {"unit_handler", "intake_operator"}
    ):
        raise PermissionDenied
    if locked.status not in TRANSFERABLE:
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


@transaction.atomic
def case_transfer_accept(*, actor: User, transfer: CaseTransfer) -> Case:
    """The receiving unit takes the case: ownership and the data key move to it."""
    locked, case = _decide(actor, transfer)
    from_unit_id = case.unit_id
    locked.status = TransferStatus.ACCEPTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    case.unit_id = locked.to_unit_id
    keys.data_key_move(data_key=case.data_key, scope=keys.scope_for_unit(locked.to_unit_id))
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
    locked = _lock(case, expected_version)
    if not user_may_act_on_case(actor, locked) or not actor.has_any_role(PERSON_EDITORS):
        raise PermissionDenied
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
    _bump(locked)
    audit_record(
        actor=actor,
        action="cases.person_saved",
        target=locked,
        unit=locked.unit,
        details={"fields": sorted(changed)},
    )
    case.version = locked.version
    return person


@transaction.atomic
def task_create(
    *, actor: User, case: Case, title: str, due_on: Any = None, assignee: User | None = None
) -> Task:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("The task needs a title."))
    locked = _lock(case, None)
    if not user_may_act_on_case(actor, locked):
        raise PermissionDenied
    if assignee is not None and assignee.unit_id != locked.unit_id:
        raise ValidationError(_("Tasks go to members of the case's unit."))
    task = Task.objects.create(
        case=locked, data_key=locked.data_key, title=title, due_on=due_on, assignee=assignee
    )
    _bump(locked)
    audit_record(
        actor=actor,
        action="cases.task_created",
        target=locked,
        unit=locked.unit,
        details={"task": task.pk, "has_due_date": due_on is not None},
    )
    case.version = locked.version
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task) -> Task:
    locked_task = Task.objects.select_for_update().select_related("case").get(pk=task.pk)
    case = _lock(locked_task.case, None)
    if not user_may_act_on_case(actor, case):
        raise PermissionDenied
    if locked_task.done_at is not None:
        raise ValidationError(_("This task is already done."))
    locked_task.done_at = timezone.now()
    locked_task.save(update_fields=["done_at"])
    _bump(case)
    audit_record(
        actor=actor,
        action="cases.task_completed",
        target=case,
        unit=case.unit,
        details={"task": locked_task.pk},
    )
    return locked_task


@transaction.atomic
def case_assign(*, actor: User, case: Case, users: list[User]) -> Case:
    """Set who works on a case: members of its unit holding a case role."""
    from .policies import user_holds_case_role

    locked = _lock(case, None)
    if not user_may_act_on_case(actor, locked) or not actor.has_any_role({"unit_handler"}):
        raise PermissionDenied
    for user in users:
        if user.unit_id != locked.unit_id or not user_holds_case_role(user):
            raise ValidationError(_("Only staff of this unit with a case role can be assigned."))
    locked.assigned.set(users)
    _bump(locked)
    audit_record(
        actor=actor,
        action="cases.assigned",
        target=locked,
        unit=locked.unit,
        details={"users": sorted(u.pk for u in users)},
    )
    return locked


@transaction.atomic
def screening_decide(
    *,
    actor: User,
    case: Case,
    outcome: str,
    reasons: str,
    expected_version: int | None = None,
) -> ScreeningDecision:
    """Record a screening officer's decision, with reasons, on the case's person.

    The decision names the person record it was made on; a later change to
    the person makes it stale (see `selectors.case_screening`). The status
    is not moved here: that stays the workflow's (`case_transition`).
    """
    reasons = (reasons or "").strip()
    if outcome not in ScreeningOutcome.values:
        raise ValidationError(_("Choose cleared, flagged or rejected."))
    if not reasons:
        raise ValidationError(_("Give the reasons for the decision."))
    locked = _lock(case, expected_version)
    if not user_may_act_on_case(actor, locked) or not actor.has_any_role({Role.SCREENING_OFFICER}):
        raise PermissionDenied
    person = Person.objects.filter(case=locked).only("updated_at").first()
    if person is None:
        raise ValidationError(_("Record the person before screening them."))
    _bump(locked)
    event = CaseEvent.objects.create(
        case=locked,
        data_key=locked.data_key,
        kind=SCREENING_EVENT_KIND[ScreeningOutcome(outcome)],
        actor=actor,
        body=reasons,
    )
    decision = ScreeningDecision.objects.create(
        case=locked,
        event=event,
        officer=actor,
        outcome=outcome,
        person_updated_at=person.updated_at,
    )
    audit_record(
        actor=actor,
        action="cases.screening_decided",
        target=locked,
        unit=locked.unit,
        details={"outcome": outcome},
    )
    case.version = locked.version
    return decision


def _group_fingerprint(case_ids: Sequence[int]) -> str:
    text = ",".join(str(i) for i in sorted(set(case_ids)))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@transaction.atomic
def duplicates_propose(*, groups: Sequence[tuple[Sequence[int], float]]) -> tuple[int, int]:
    """Record each group of case ids (with its score) as a proposal, once.

    Returns (new, already proposed). Run by `manage.py dedupe_cases` as the
    system; audited with counts only.
    """
    new = existing = 0
    for case_ids, group_score in groups:
        ids = sorted(set(case_ids))
        if len(ids) < 2:
            raise ValueError("A duplicate group holds two cases or more.")
        proposal, created = DuplicateProposal.objects.get_or_create(
            fingerprint=_group_fingerprint(ids), defaults={"score": round(group_score, 2)}
        )
        if created:
            proposal.cases.set(ids)
            new += 1
        else:
            existing += 1
    audit_record(
        actor=None,
        action="cases.duplicates_proposed",
        details={"groups": len(groups), "new": new, "existing": existing},
    )
    return new, existing


@transaction.atomic
def duplicate_decide(*, actor: User, proposal: DuplicateProposal, same_person: bool) -> None:
    """A screening officer of one of the group's units says whether the cases
    are one person. Each case's timeline records the answer and names the
    other cases by code; each unit's audit trail gets an event."""
    locked = DuplicateProposal.objects.select_for_update().get(pk=proposal.pk)
    cases = list(locked.cases.select_related("unit", "data_key__unit_key").order_by("pk"))
    if not actor.has_any_role({Role.SCREENING_OFFICER}) or not any(
        user_may_act_on_case(actor, case) for case in cases
    ):
        raise PermissionDenied
    if locked.status != DuplicateStatus.OPEN:
        raise ValidationError(_("This proposal was already decided."))
    locked.status = DuplicateStatus.CONFIRMED if same_person else DuplicateStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    kind = EventKind.DUPLICATE_CONFIRMED if same_person else EventKind.DUPLICATE_REJECTED
    for case in cases:
        others = ", ".join(c.code for c in cases if c.pk != case.pk)
        CaseEvent.objects.create(
            case=case, data_key=case.data_key, kind=kind, actor=actor, body=others
        )
        audit_record(
            actor=actor,
            action="cases.duplicate_confirmed" if same_person else "cases.duplicate_rejected",
            target=case,
            unit=case.unit,
            details={"proposal": locked.pk},
        )
    proposal.status = locked.status
