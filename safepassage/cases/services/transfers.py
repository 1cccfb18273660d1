"""Offering a case to another unit, and that unit's answer (the case's
data key moves with it)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit, User
from safepassage.audit.services import audit_record
from safepassage.audit.vault_alerts import record_unit_mismatch
from safepassage.vault import keys
from safepassage.vault.exceptions import UnitMismatch

from ..models import Case, CaseEvent, CaseTransfer, EventKind, TransferStatus
from ..policies import user_may_act_on_case
from ..signals import case_unit_moving
from ..workflow import HANDOVER, HANDOVER_ROLES, TRANSFERABLE
from .write import _bump, _lock


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
