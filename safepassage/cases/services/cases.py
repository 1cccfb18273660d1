"""A case: opening, moving along the workflow, notes, the conversation's
unread mark, and who works on it. Keyword-only, atomic, audited in the
same transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit, User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.vault import keys

from ..codes import case_code_generate
from ..models import Case, CaseEvent, Category, EventKind, Priority, ServiceRecord, Stage
from ..policies import user_holds_case_role, user_may_act_on_case
from ..workflow import Status, move_for
from .write import IllegalTransition, _bump, _case_write, _lock

_CODE_ATTEMPTS = 8


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
def case_assign(*, actor: User, case: Case, users: list[User]) -> Case:
    """Set who works on a case: members of its unit holding a case role."""
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
