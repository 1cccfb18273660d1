"""Paying an approved claim through the ledger, with its signed receipt."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safepassage.armoury.models import Claim
from safepassage.armoury.services import (
    ClaimRefused,
    claim_approve,
    claim_cancel,
    claim_pay,
    claim_propose,
    handover_receipt_issue,
)
from safepassage.armoury.tests.factories import record, schedule
from safepassage.ledger import selectors as ledger_selectors
from safepassage.ledger import services as ledger
from safepassage.ledger.models import Payment
from safepassage.receipts.services import receipt_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(world):
    schedule(actor=world.hq_approver)
    record(world.case, world.handler, world.witness)
    record(world.case, world.handler, world.witness, code="ammo-556", quantity=120, serial="")
    claim = claim_propose(actor=world.officer, case=world.case)
    return claim_approve(actor=world.approver, claim=claim)


def _fund(world, amount=100_000_000):
    """Fund the budget (beyond what approved claims earmarked) and the float."""
    ledger.budget_fund(actor=world.hq_approver, amount_minor=2 * amount, currency="MMK")
    ledger.unit_float_fund(
        actor=world.hq_approver, unit=world.unit, amount_minor=amount, currency="MMK"
    )


def test_approval_earmarks_the_claim_for_the_case(world, approved):
    assert ledger_selectors.case_payable(world.approver, world.case) == approved.total_minor


def test_paying_marks_the_claim_paid_and_issues_a_genuine_receipt(world, approved):
    _fund(world)
    receipt = claim_pay(
        actor=world.officer, claim=approved, method="cash_with_witness", witness=world.witness
    )
    approved.refresh_from_db()
    assert approved.status == "paid"
    assert approved.receipt_ref == receipt.number
    assert Payment.objects.get().amount_minor == approved.total_minor
    verdict = receipt_check(receipt.text)
    assert verdict.ok
    assert verdict.content["case"] == world.case.code
    assert verdict.content["total"] == 36_000_000
    assert "MA1-204518" not in receipt.text


def test_a_paid_claim_is_never_paid_again(world, approved):
    _fund(world)
    stale = Claim.objects.get(pk=approved.pk)
    claim_pay(actor=world.officer, claim=approved, method="mobile_money", reference="TX-1")
    with pytest.raises(ClaimRefused, match="it is Paid"):
        claim_pay(actor=world.officer, claim=stale, method="mobile_money", reference="TX-2")
    assert Payment.objects.count() == 1


def test_an_empty_float_refuses_the_payment_and_changes_nothing(world, approved):
    with pytest.raises(ValidationError, match="float"):
        claim_pay(actor=world.officer, claim=approved, method="mobile_money", reference="TX-1")
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert not Payment.objects.exists()


def test_only_the_units_reward_officer_pays(world, approved):
    _fund(world)
    for actor in (world.approver, world.handler, world.hq_officer):
        with pytest.raises(PermissionDenied):
            claim_pay(actor=actor, claim=approved, method="mobile_money", reference="TX-1")


def test_cancelling_an_approved_claim_releases_its_earmark(world, approved):
    claim_cancel(actor=world.hq_approver, claim=approved, reason="Weapon found to be a replica")
    assert ledger_selectors.case_payable(world.approver, world.case) == 0


def test_a_handover_receipt_lists_items_without_serials(world):
    record(world.case, world.handler, world.witness)
    receipt = handover_receipt_issue(actor=world.handler, case=world.case)
    verdict = receipt_check(receipt.text)
    assert verdict.ok
    assert verdict.content["lines"][0]["item"] == "MA-1 assault rifle"
    assert "204518" not in receipt.text
    with pytest.raises(PermissionDenied):
        handover_receipt_issue(actor=world.other_handler, case=world.case)
