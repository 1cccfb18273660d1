"""Claims: computed from items and the schedule, decided by a second person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safepassage.armoury.models import Claim, ClaimLine, Condition, RateBasis
from safepassage.armoury.services import (
    ClaimRefused,
    RateInput,
    claim_approve,
    claim_cancel,
    claim_compute,
    claim_propose,
    claim_refuse,
    schedule_version_create,
)
from safepassage.armoury.tests.factories import cleared_case, kind, record, schedule, staff
from safepassage.audit.models import AuditEvent
from safepassage.cases import services as case_services

pytestmark = pytest.mark.django_db


def _rifle_and_rounds(world):
    record(world.case, world.handler, world.witness)
    record(world.case, world.handler, world.witness, code="ammo-556", quantity=120, serial="")


def test_a_rifle_and_120_rounds_are_priced_by_the_schedule(world):
    schedule(actor=world.hq_approver)
    _rifle_and_rounds(world)
    claim = claim_propose(actor=world.officer, case=world.case)
    assert claim.total_minor == 30_000_000 + 120 * 50_000
    assert claim.currency == "MMK"
    assert sorted(ClaimLine.objects.filter(claim=claim).values_list("units", flat=True)) == [1, 120]
    assert not claim.needs_hq


def test_boxes_pay_full_boxes_only(world):
    schedule(actor=world.hq_approver)
    record(world.case, world.handler, world.witness, code="ammo-762x51", quantity=1250, serial="")
    found = claim_compute(case=world.case)
    assert found.computed_minor == 2 * 50_000 * 400  # two boxes of 500, 250 loose


def test_the_version_in_force_at_reception_prices_the_item(world):
    now = timezone.now()
    schedule(actor=world.hq_approver, start=now - dt.timedelta(seconds=1))
    item = record(world.case, world.handler, world.witness, received_at=now)
    schedule(actor=world.hq_approver, start=now + dt.timedelta(minutes=1), rifle=99_000_000)
    claim = claim_propose(actor=world.officer, case=world.case)
    line = ClaimLine.objects.get(claim=claim)
    assert (line.item_id, line.rate_minor) == (item.pk, 30_000_000)


def test_a_version_cannot_start_in_the_past(world):
    with pytest.raises(ValidationError, match="past"):
        schedule(actor=world.hq_approver, start=timezone.now() - dt.timedelta(days=1))


def test_only_headquarters_finance_keeps_the_schedule(world):
    with pytest.raises(PermissionDenied):
        schedule(actor=world.approver)
    with pytest.raises(PermissionDenied):
        schedule(actor=world.hq_screening)


def test_ammunition_only_is_priced_per_round(world):
    with pytest.raises(ValidationError, match="Only ammunition"):
        schedule_version_create(
            actor=world.hq_approver,
            effective_from=timezone.now(),
            currency="MMK",
            person_cap_minor=1,
            hq_threshold_minor=1,
            rates=[RateInput(kind("ma-1"), Condition.WORKING, RateBasis.ROUND, 5)],
        )


def test_a_kind_with_no_schedule_row_refuses_the_claim_clearly(world):
    schedule(actor=world.hq_approver)
    record(world.case, world.handler, world.witness, code="drone", serial="DJ-0042")
    with pytest.raises(ClaimRefused, match="No reward is set for: Drone"):
        claim_propose(actor=world.officer, case=world.case)
    assert not Claim.objects.exists()


def test_a_case_not_cleared_by_screening_gets_no_claim(world):
    schedule(actor=world.hq_approver)
    case = case_services.case_open(actor=None, unit=world.unit)
    record(case, world.handler, world.witness)
    with pytest.raises(ClaimRefused, match="not cleared"):
        claim_propose(actor=world.officer, case=case)


def test_a_duplicate_serial_earns_nothing(world):
    schedule(actor=world.hq_approver)
    record(world.other_case, world.other_handler, world.other_witness)
    record(world.case, world.handler, world.witness, serial="ma1 2O4518")
    with pytest.raises(ClaimRefused, match="No item"):
        claim_propose(actor=world.officer, case=world.case)
    record(world.case, world.handler, world.witness, code="ammo-556", quantity=100, serial="")
    claim = claim_propose(actor=world.officer, case=world.case)
    assert claim.total_minor == 100 * 50_000


def test_an_item_is_in_one_live_claim_only(world):
    schedule(actor=world.hq_approver)
    _rifle_and_rounds(world)
    claim_propose(actor=world.officer, case=world.case)
    with pytest.raises(ClaimRefused, match="No item"):
        claim_propose(actor=world.officer, case=world.case)


def test_the_cap_per_person_limits_the_total(world):
    schedule(actor=world.hq_approver, cap=31_000_000)
    _rifle_and_rounds(world)
    claim = claim_propose(actor=world.officer, case=world.case)
    assert (claim.computed_minor, claim.total_minor) == (36_000_000, 31_000_000)


def test_only_the_units_reward_officer_proposes(world):
    schedule(actor=world.hq_approver)
    _rifle_and_rounds(world)
    for actor in (world.handler, world.approver, world.hq_officer):
        with pytest.raises(PermissionDenied):
            claim_propose(actor=actor, case=world.case)


def test_a_second_person_approves_never_the_proposer_or_receiver(world):
    schedule(actor=world.hq_approver)
    _rifle_and_rounds(world)
    claim = claim_propose(actor=world.officer, case=world.case)
    world.officer.groups.add(*world.approver.groups.all())  # officer also approver
    world.officer._role_cache = None
    with pytest.raises(ClaimRefused, match="You proposed"):
        claim_approve(actor=world.officer, claim=claim)
    world.handler.groups.add(*world.approver.groups.all())
    world.handler._role_cache = None
    with pytest.raises(ClaimRefused, match="received or witnessed"):
        claim_approve(actor=world.handler, claim=claim)
    other_approver = type(world.approver).objects.get(pk=world.approver.pk)
    claim_approve(actor=other_approver, claim=claim)
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by_id) == ("approved", world.approver.pk)
    assert AuditEvent.objects.filter(action="armoury.claim_approved").count() == 1


def test_another_units_approver_is_refused(world):
    schedule(actor=world.hq_approver)
    _rifle_and_rounds(world)
    claim = claim_propose(actor=world.officer, case=world.case)
    with pytest.raises(PermissionDenied):
        claim_approve(actor=staff(world.other, "reward_approver"), claim=claim)


def test_above_the_threshold_only_headquarters_approves(world):
    schedule(actor=world.hq_approver, threshold=10_000_000)
    _rifle_and_rounds(world)
    claim = claim_propose(actor=world.officer, case=world.case)
    assert claim.needs_hq
    with pytest.raises(ClaimRefused, match="only headquarters"):
        claim_approve(actor=world.approver, claim=claim)
    claim_approve(actor=world.hq_approver, claim=claim)


def test_a_second_approval_is_refused(world):
    schedule(actor=world.hq_approver)
    _rifle_and_rounds(world)
    claim = claim_propose(actor=world.officer, case=world.case)
    stale = Claim.objects.get(pk=claim.pk)
    claim_approve(actor=world.approver, claim=claim)
    with pytest.raises(ClaimRefused, match="it is Approved"):
        claim_approve(actor=world.hq_approver, claim=stale)


def test_a_refusal_needs_a_reason_and_frees_the_items(world):
    schedule(actor=world.hq_approver)
    _rifle_and_rounds(world)
    claim = claim_propose(actor=world.officer, case=world.case)
    with pytest.raises(ClaimRefused, match="reason"):
        claim_refuse(actor=world.approver, claim=claim, reason="  ")
    claim_refuse(actor=world.approver, claim=claim, reason="Serial looks ground off")
    claim.refresh_from_db()
    assert claim.status == "refused"
    assert claim.reason == "Serial looks ground off"
    assert not ClaimLine.objects.filter(live=True).exists()
    again = claim_propose(actor=world.officer, case=world.case)
    assert again.total_minor == claim.total_minor


def test_the_proposer_cancels_a_proposal(world):
    schedule(actor=world.hq_approver)
    _rifle_and_rounds(world)
    claim = claim_propose(actor=world.officer, case=world.case)
    with pytest.raises(PermissionDenied):
        claim_cancel(actor=world.handler, claim=claim, reason="typo")
    claim_cancel(actor=world.officer, claim=claim, reason="Wrong case")
    with pytest.raises(ClaimRefused):
        claim_approve(actor=world.approver, claim=claim)


def test_a_case_in_another_unit_cannot_be_claimed_by_this_officer(world):
    schedule(actor=world.hq_approver)
    case = cleared_case(world.other)
    with pytest.raises(PermissionDenied):
        claim_propose(actor=world.officer, case=case)
