"""The claim's side of the ledger: an approved claim is earmarked for its
case (a payable), and the earmark is reversed if the approved claim is
cancelled. Called inside the claim services' transactions, so a refusal
by the ledger undoes the move of the claim too."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from safepassage.accounts.models import User
from safepassage.ledger import services as ledger

from ..models import Claim

#: How the ledger names a reward claim as the source of a posting.
SOURCE_KIND = "armoury.claim"


def payable_for(*, actor: User, claim: Claim) -> None:
    """Earmark an approved claim in the ledger (one payable per claim)."""
    try:
        ledger.payable_record(
            actor=actor,
            case=claim.case,
            unit=claim.unit,
            amount_minor=claim.total_minor,
            currency=claim.currency,
            source_kind=SOURCE_KIND,
            source_id=claim.pk,
        )
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None


def payable_release(*, actor: User, claim: Claim, reason: str) -> None:
    """Reverse the earmark of an approved claim that is cancelled."""
    try:
        ledger.payable_cancel(
            actor=actor, source_kind=SOURCE_KIND, source_id=claim.pk, reason=reason
        )
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None
