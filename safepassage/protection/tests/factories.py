"""Factories for protection tests: through the real services where they
exist (keys, audit), directly where a test needs a state the services
refuse to make (a house already full, an overdue review)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.cases.models import Case
from safepassage.cases.tests.factories import case_create, family_add, person_create
from safepassage.protection import services
from safepassage.protection.models import (
    AssessedThreat,
    Placement,
    RiskAssessment,
    SafeHouse,
    ThreatKind,
)


def officer_in(unit, *extra_roles) -> object:
    return UserFactory(unit=unit, roles=[Role.PROTECTION_OFFICER, *extra_roles])


def protected_case(unit, **person_fields) -> Case:
    case = case_create(unit=unit)
    person_create(case, **person_fields)
    return case


def member_of(case: Case, **fields):
    return family_add(case.person, **fields)


def threat_kinds() -> list[ThreatKind]:
    """The kinds the data migration made (made again after a flush)."""
    defaults = [
        ("family_reprisal", "Reprisal against family in junta-held areas", 10),
        ("hunted", "Being hunted", 20),
        ("health", "Health", 30),
        ("digital_exposure", "Exposure through a phone or social media", 40),
    ]
    for code, label, order in defaults:
        ThreatKind.objects.get_or_create(code=code, defaults={"label": label, "order": order})
    return list(ThreatKind.objects.filter(active=True).order_by("order", "id"))


def threats(level: int = 2) -> list[services.ThreatInput]:
    return [
        services.ThreatInput(kind_id=k.pk, level=level, factors="factors", measures_taken="none")
        for k in threat_kinds()
    ]


def assess(case: Case, officer, *, member=None, level: int = 3, days: int = 30) -> RiskAssessment:
    return services.assessment_record(
        actor=officer,
        case=case,
        family_member=member,
        level=level,
        review_on=timezone.localdate() + dt.timedelta(days=days),
        threats=threats(),
        summary="summary of the risk",
    )


def overdue_assessment(case: Case, officer, *, days_ago: int = 3) -> RiskAssessment:
    """An assessment whose review date has passed (the service refuses to
    set one in the past, so the date is moved afterwards)."""
    assessment = assess(case, officer)
    RiskAssessment.objects.filter(pk=assessment.pk).update(
        review_on=timezone.localdate() - dt.timedelta(days=days_ago)
    )
    assessment.refresh_from_db()
    return assessment


def house_create(
    unit,
    *,
    capacity: int = 2,
    label: str = "House Teak",
    location: str = "Behind the monastery, village 7",
) -> SafeHouse:
    house = SafeHouse(unit=unit, label=label, location=location, capacity=capacity)
    house.save()
    return house


def fill(house: SafeHouse, placer) -> list[Placement]:
    """Open placements until the house is full (cases of its unit)."""
    placed = []
    while (
        Placement.objects.filter(house=house, checked_out_at__isnull=True).count() < house.capacity
    ):
        case = protected_case(house.unit)
        placed.append(services.placement_create(actor=placer, case=case, house=house))
    return placed


__all__ = [
    "AssessedThreat",
    "assess",
    "fill",
    "house_create",
    "member_of",
    "officer_in",
    "overdue_assessment",
    "protected_case",
    "threat_kinds",
    "threats",
]
