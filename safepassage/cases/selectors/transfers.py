"""Transfers offered to the user's unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from safepassage.audit.services import audit_record

from ..models import CaseTransfer, TransferStatus
from ..policies import user_holds_case_role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from safepassage.accounts.models import User


def transfers_incoming_for(user: User) -> QuerySet[CaseTransfer]:
    """Offers waiting for the user's unit: code and sending unit only."""
    if not user_holds_case_role(user):
        return CaseTransfer.objects.none()
    return CaseTransfer.objects.filter(
        to_unit_id=user.unit_id, status=TransferStatus.PENDING
    ).select_related("case", "from_unit")


class TransferNotFound(Exception):
    """No pending transfer to this user's unit with that id."""


def transfer_incoming_get_for_user(
    *, user: User, transfer_id: int, request: HttpRequest | None = None
) -> CaseTransfer:
    """A pending offer to the user's unit. Raises TransferNotFound.

    Answering an existing transfer meant for another unit is audited
    (`cases.access_refused`, the transfer as target) without saying so.
    """
    transfer = transfers_incoming_for(user).filter(pk=transfer_id).first()
    if transfer is None:
        other = CaseTransfer.objects.filter(pk=transfer_id).only("pk", "to_unit_id").first()
        if other is not None and other.to_unit_id != getattr(user, "unit_id", None):
            audit_record(
                actor=user,
                action="cases.access_refused",
                target=other,
                unit=other.to_unit_id,
                request=request,
            )
        raise TransferNotFound()
    return transfer
