"""Weapons and rewards for the demo, through the armoury's own services.

A schedule (headquarters' approver), a rifle and 120 rounds on a cleared
case of b1 with a claim approved and paid in cash from b1's float (funded
by headquarters) with its receipts, a
battle rifle and rounds with a claim still waiting for approval, and one
caught double claim: the first rifle's serial, typed differently, handed
in again at b2, flagged and alerted to headquarters. Serials are invented.
Re-running adds nothing once the demo holds items.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from safepassage.accounts.models import Unit, User
from safepassage.armoury import selectors as armoury_selectors
from safepassage.armoury import services as armoury
from safepassage.armoury.models import Condition, RateBasis
from safepassage.armoury.services import RateInput
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status
from safepassage.ledger import services as ledger

#: Kind code -> (working, damaged, unserviceable) in kyat, basis.
DEMO_RATES: dict[str, tuple[tuple[int, int, int], str]] = {
    "ma-1": ((300_000, 150_000, 30_000), RateBasis.ITEM),
    "ma-2": ((280_000, 140_000, 30_000), RateBasis.ITEM),
    "ma-11": ((300_000, 150_000, 30_000), RateBasis.ITEM),
    "ma-15": ((300_000, 150_000, 30_000), RateBasis.ITEM),
    "ba-63": ((250_000, 120_000, 25_000), RateBasis.ITEM),
    "ba-72": ((250_000, 120_000, 25_000), RateBasis.ITEM),
    "ma-3-lmg": ((600_000, 300_000, 60_000), RateBasis.ITEM),
    "gpmg-762": ((700_000, 350_000, 70_000), RateBasis.ITEM),
    "pistol-9": ((150_000, 70_000, 15_000), RateBasis.ITEM),
    "gl-40": ((400_000, 200_000, 40_000), RateBasis.ITEM),
    "mortar-60": ((800_000, 400_000, 80_000), RateBasis.ITEM),
    "mortar-81": ((1_000_000, 500_000, 100_000), RateBasis.ITEM),
    "round-60": ((20_000, 0, 0), RateBasis.ITEM),
    "round-81": ((30_000, 0, 0), RateBasis.ITEM),
    "hand-grenade": ((10_000, 0, 0), RateBasis.ITEM),
    "ammo-556": ((500, 0, 0), RateBasis.ROUND),
    "ammo-762x39": ((500, 0, 0), RateBasis.ROUND),
    "ammo-762x51": ((600, 0, 0), RateBasis.ROUND),
    "ammo-9": ((300, 0, 0), RateBasis.ROUND),
    "radio": ((200_000, 100_000, 0), RateBasis.ITEM),
    "drone": ((500_000, 250_000, 0), RateBasis.ITEM),
}
CAP_KYAT = 3_000_000
FLOAT_KYAT = 5_000_000
THRESHOLD_KYAT = 1_000_000
FIRST_SERIAL = "MA1-204518"
SAME_SERIAL_RETYPED = "ma1 2O4 ၅၁၈"  # letter O, Burmese digits: the same rifle


@dataclass(frozen=True)
class ArmouryDemo:
    paid_case: str
    pending_case: str
    double_case: str
    claims: list[int]


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def _cleared(unit: Unit, skip: int) -> Case | None:
    return (
        Case.objects.filter(unit=unit, status=Status.CLEARED)
        .order_by("pk")[skip : skip + 1]
        .first()
    )


def _schedule(approver: User) -> None:
    if armoury_selectors.schedule_versions():
        return
    rates = []
    for kind in armoury_selectors.catalogue():
        amounts, basis = DEMO_RATES.get(kind.code, ((0, 0, 0), RateBasis.ITEM))
        for condition, kyat in zip(Condition.values, amounts, strict=True):
            rates.append(RateInput(kind, condition, basis, kyat))
    armoury.schedule_version_create(
        actor=approver,
        effective_from=timezone.now(),
        currency="MMK",
        person_cap_minor=CAP_KYAT,
        hq_threshold_minor=THRESHOLD_KYAT,
        rates=rates,
    )


@transaction.atomic
def demo_armoury_seed() -> ArmouryDemo | None:
    """Seed once; None when the demo already holds items or lacks cleared cases."""
    b1_handler, b1_witness = _user("b1.handler"), _user("b1.screening")
    b2_handler, b2_witness = _user("b2.handler"), _user("b2.screening")
    if armoury_selectors.items_visible_to(b1_handler).exists():
        return None
    paid, pending = _cleared(b1_handler.unit, 0), _cleared(b1_handler.unit, 1)
    double = _cleared(b2_handler.unit, 0)
    if paid is None or pending is None or double is None:
        return None
    _schedule(_user("hq.approver"))
    now = timezone.now()
    kinds = {k.code: k for k in armoury_selectors.catalogue()}

    def put(case: Case, by: User, witness: User, code: str, serial: str, quantity: int) -> None:
        armoury.item_record(
            actor=by,
            case=case,
            kind=kinds[code],
            condition=Condition.WORKING,
            quantity=quantity,
            witnessed_by=witness,
            received_at=now,
            serial=serial,
            model_name=kinds[code].name_en,
            place="Demo reception point (invented)",
        )

    put(paid, b1_handler, b1_witness, "ma-1", FIRST_SERIAL, 1)
    put(paid, b1_handler, b1_witness, "ammo-556", "", 120)
    put(pending, b1_handler, b1_witness, "ba-63", "BA63-55107", 1)
    put(pending, b1_handler, b1_witness, "ammo-762x51", "", 200)
    put(double, b2_handler, b2_witness, "ma-1", SAME_SERIAL_RETYPED, 1)
    officer, approver = _user("b1.reward"), _user("b1.approver")
    first = armoury.claim_propose(actor=officer, case=paid)
    armoury.claim_approve(actor=approver, claim=first)
    hq_approver = _user("hq.approver")
    ledger.budget_fund(actor=hq_approver, amount_minor=FLOAT_KYAT * 4, currency="MMK")
    ledger.unit_float_fund(
        actor=hq_approver, unit=b1_handler.unit, amount_minor=FLOAT_KYAT, currency="MMK"
    )
    armoury.claim_pay(actor=officer, claim=first, method="cash_with_witness", witness=b1_handler)
    armoury.handover_receipt_issue(actor=b1_handler, case=paid)
    second = armoury.claim_propose(actor=officer, case=pending)
    return ArmouryDemo(
        paid_case=paid.code,
        pending_case=pending.code,
        double_case=double.code,
        claims=[first.pk, second.pk],
    )
