"""Builders for armoury tests: every write goes through the real services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
from safepassage.armoury import services
from safepassage.armoury.models import Condition, Item, Kind, RateBasis, ScheduleVersion
from safepassage.armoury.services import RateInput
from safepassage.cases import services as case_services
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status


def kind(code: str) -> Kind:
    return Kind.objects.get(code=code)


def cleared_case(unit) -> Case:
    """A case whose person screening cleared (status set as the workflow's
    last step left it; the walk itself is the cases app's business)."""
    case = case_services.case_open(actor=None, unit=unit)
    Case.objects.filter(pk=case.pk).update(status=Status.CLEARED)
    case.refresh_from_db()
    return case


def staff(unit, *roles):
    return UserFactory(unit=unit, roles=list(roles))


def schedule(
    *,
    actor=None,
    start: dt.datetime | None = None,
    rifle: int = 30_000_000,
    rounds: int = 50_000,
    cap: int = 500_000_000,
    threshold: int = 100_000_000,
    currency: str = "MMK",
    extra: list[RateInput] | None = None,
) -> ScheduleVersion:
    """A version with a rifle (MA-1, BA-63) and 5.56/7.62x51 rate; MMK minor units."""
    if actor is None:
        actor = staff(HeadquartersFactory(), Role.REWARD_APPROVER)
    rates = [
        RateInput(kind("ma-1"), Condition.WORKING, RateBasis.ITEM, rifle),
        RateInput(kind("ma-1"), Condition.DAMAGED, RateBasis.ITEM, rifle // 2),
        RateInput(kind("ba-63"), Condition.WORKING, RateBasis.ITEM, rifle),
        RateInput(kind("ammo-556"), Condition.WORKING, RateBasis.ROUND, rounds),
        RateInput(kind("ammo-762x51"), Condition.WORKING, RateBasis.BOX, rounds * 400),
        *(extra or []),
    ]
    return services.schedule_version_create(
        actor=actor,
        effective_from=start or timezone.now(),
        currency=currency,
        person_cap_minor=cap,
        hq_threshold_minor=threshold,
        rates=rates,
    )


def record(case, actor, witness, *, code="ma-1", serial="MA1-204518", quantity=1, **kw) -> Item:
    kw.setdefault("condition", Condition.WORKING)
    kw.setdefault("received_at", timezone.now())
    return services.item_record(
        actor=actor,
        case=case,
        kind=kind(code),
        quantity=quantity,
        witnessed_by=witness,
        serial=serial,
        **kw,
    )


def unit_pair():
    return UnitFactory(name="Receiving unit"), UnitFactory(name="Other unit")
