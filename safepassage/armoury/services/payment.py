"""Paying an approved claim, and the receipts the person takes away.

`claim_pay` locks the claim, checks it is approved (the table), and in
the same transaction has the ledger pay it (`ledger.services.payment_make`,
which refuses a second payment for the same claim and more than the
unit's float holds), marks it paid and issues the signed payment receipt.
A refusal anywhere rolls the whole step back: never a paid claim without
its ledger entry or receipt, never a payment without its claim marked.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record
from safepassage.cases.models import Case
from safepassage.ledger import services as ledger
from safepassage.receipts import services as receipts
from safepassage.receipts.models import Receipt, ReceiptKind

from ..models import Claim, ClaimLine, Item
from ..policies import may_propose, may_record
from ..workflow import ClaimStatus
from .claims import ClaimRefused, _finish, _locked
from .ledgering import SOURCE_KIND


def _lines_for_receipt(claim: Claim) -> list[dict[str, Any]]:
    return [
        {
            "item": line.item.kind.name_en,
            "item_my": line.item.kind.name_my,
            "condition": line.item.condition,
            "quantity": line.item.quantity,
            "units": line.units,
            "rate": line.rate_minor,
            "amount": line.amount_minor,
        }
        for line in ClaimLine.objects.filter(claim=claim).select_related("item__kind")
    ]


@transaction.atomic
def claim_pay(
    *,
    actor: User,
    claim: Claim,
    method: str,
    witness: User | None = None,
    reference: str = "",
    family_member: str = "",
    expected_version: int | None = None,
) -> Receipt:
    """Pay an approved claim from the unit's float and issue its receipt."""
    if not may_propose(actor, claim.unit_id):
        raise PermissionDenied
    locked = _locked(claim, ClaimStatus.PAID, expected_version)
    try:
        payment = ledger.payment_make(
            actor=actor,
            case=locked.case,
            unit=locked.unit,
            amount_minor=locked.total_minor,
            currency=locked.currency,
            method=method,
            witness=witness,
            reference=reference,
            family_member=family_member,
            source_kind=SOURCE_KIND,
            source_id=locked.pk,
        )
    except ValidationError as exc:
        raise ClaimRefused(exc.messages) from None
    now = timezone.now()
    versions = sorted(
        set(ClaimLine.objects.filter(claim=locked).values_list("schedule__number", flat=True))
    )
    receipt = receipts.receipt_issue(
        actor=actor,
        kind=ReceiptKind.PAYMENT,
        case_code=locked.case.code,
        unit_label=locked.unit.name,
        lines=_lines_for_receipt(locked),
        total_minor=locked.total_minor,
        currency=locked.currency,
        schedule_version=",".join(f"v{n}" for n in versions),
        issued_at=now,
        unit=locked.unit,
    )
    locked.status = ClaimStatus.PAID
    locked.paid_by = actor
    locked.paid_at = now
    locked.payment_ref = str(payment.pk)
    locked.receipt_ref = receipt.number
    _finish(locked, claim, "paid_by", "paid_at", "payment_ref", "receipt_ref")
    audit_record(
        actor=actor,
        action="armoury.claim_paid",
        target=locked,
        unit=locked.unit_id,
        details={"payment": payment.pk, "total_minor": locked.total_minor, "method": method},
    )
    return receipt


@transaction.atomic
def handover_receipt_issue(*, actor: User, case: Case) -> Receipt:
    """A signed receipt listing what the person handed over on `case`:
    kinds, conditions, quantities; no serial, no name, no amount."""
    if not may_record(actor, case.unit_id):
        raise PermissionDenied
    items = list(Item.objects.filter(case=case).select_related("kind").order_by("pk"))
    if not items:
        raise ValidationError(_("Nothing was recorded on this case."))
    receipt = receipts.receipt_issue(
        actor=actor,
        kind=ReceiptKind.HANDOVER,
        case_code=case.code,
        unit_label=case.unit.name,
        lines=[
            {
                "item": i.kind.name_en,
                "item_my": i.kind.name_my,
                "model": i.model_name,
                "condition": i.condition,
                "quantity": i.quantity,
                "received": i.received_at.date().isoformat(),
            }
            for i in items
        ],
        total_minor=None,
        currency=None,
        schedule_version=None,
        issued_at=timezone.now(),
        unit=case.unit,
    )
    audit_record(
        actor=actor,
        action="armoury.handover_receipt",
        target=case,
        unit=case.unit_id,
        details={"items": len(items)},
    )
    return receipt
