"""Demo data for protection: safe houses, placements, risk assessments
(one of them with its review overdue) and measures, for unit b1 (and a
house for b2). Invented labels and places only. Written through the
protection services, so every write is audited as in real use. Run after
`seed_demo` (it needs its cases and staff); a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from safepassage.accounts.models import User
from safepassage.cases.models import Case, FamilyMember
from safepassage.cases.workflow import Status
from safepassage.protection import services
from safepassage.protection.models import (
    MeasureKind,
    RiskAssessment,
    RiskLevel,
    SafeHouse,
    ThreatKind,
)
from safepassage.protection.workflow import MeasureState

HOUSES = {
    "b1": (
        ("House Teak (demo)", "Invented: third lane behind the demo monastery", 3),
        ("House Mango (demo)", "Invented: the green house at the demo ferry", 1),
    ),
    "b2": (("House Bamboo (demo)", "Invented: farm hut past the demo bridge", 4),),
}
STATUSES = (Status.RECEIVED, Status.SCREENING, Status.CLEARED, Status.REINTEGRATING)
FACTORS = {
    "family_reprisal": "Invented: parents live in a junta-held village; soldiers asked about him.",
    "hunted": "Invented: his company commander knows his home township.",
    "health": "Invented: a leg wound, healing.",
    "digital_exposure": "Invented: his old phone had his unit's chat groups.",
}


@dataclass(frozen=True)
class ProtectionDemo:
    houses: int
    placements: int
    assessments: int
    created: bool


def _officer(code: str) -> User | None:
    return User.objects.filter(username=f"{code}.protection").select_related("unit").first()


def _threats(level: int) -> list[services.ThreatInput]:
    return [
        services.ThreatInput(
            kind_id=kind.pk,
            level=max(1, level - (i % 2)),
            factors=FACTORS.get(kind.code, ""),
            measures_taken="Invented: told to keep the new phone only.",
        )
        for i, kind in enumerate(ThreatKind.objects.filter(active=True).order_by("order", "id"))
    ]


@transaction.atomic
def demo_protection_seed() -> ProtectionDemo:
    officer = _officer("b1")
    if officer is None or officer.unit is None:
        raise LookupError("Run `manage.py seed_demo` first: b1.protection is missing.")
    if SafeHouse.objects.filter(unit=officer.unit).exists():
        return ProtectionDemo(houses=0, placements=0, assessments=0, created=False)
    houses: dict[str, list[SafeHouse]] = {}
    for code, rows in HOUSES.items():
        keeper = _officer(code)
        if keeper is None:
            continue
        houses[code] = [
            services.house_create(actor=keeper, label=label, location=location, capacity=capacity)
            for label, location, capacity in rows
        ]
    cases = list(
        Case.objects.filter(unit=officer.unit, status__in=STATUSES, person__isnull=False).order_by(
            "pk"
        )[:6]
    )
    review = timezone.localdate() + dt.timedelta(days=21)
    assessments: list[RiskAssessment] = []
    for i, case in enumerate(cases[:4]):
        level = (RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)[i]
        assessments.append(
            services.assessment_record(
                actor=officer,
                case=case,
                level=level,
                review_on=review + dt.timedelta(days=7 * i),
                threats=_threats(level),
                summary="Invented demo assessment.",
            )
        )
        member = FamilyMember.objects.filter(person__case=case).order_by("pk").first()
        if member is not None and i < 2:
            assessments.append(
                services.assessment_record(
                    actor=officer,
                    case=case,
                    family_member=member,
                    level=RiskLevel.HIGH,
                    review_on=review,
                    threats=_threats(RiskLevel.HIGH),
                    summary="Invented: the family was visited by soldiers.",
                )
            )
    if assessments:
        # The service refuses a review date in the past; the demo backdates
        # one so that an overdue review (and its task) can be seen.
        RiskAssessment.objects.filter(pk=assessments[0].pk).update(
            review_on=timezone.localdate() - dt.timedelta(days=3)
        )
    placements = 0
    teak, mango = houses["b1"]
    for case, house in zip(cases[:3], (mango, teak, teak), strict=False):
        services.placement_create(actor=officer, case=case, house=house)
        placements += 1
    if cases:
        measure = services.measure_create(
            actor=officer,
            case=cases[0],
            kind=MeasureKind.NEW_PHONE,
            owner=officer,
            note="Invented: a new SIM bought in another township.",
        )
        services.measure_move(actor=officer, measure=measure, target=MeasureState.IN_PROGRESS)
    if len(cases) > 1:
        services.measure_create(
            actor=officer,
            case=cases[1],
            kind=MeasureKind.MOVE_FAMILY,
            owner=officer,
            note="Invented: move the parents to a liberated area.",
        )
    services.review_tasks_raise()
    return ProtectionDemo(
        houses=sum(len(h) for h in houses.values()),
        placements=placements,
        assessments=len(assessments),
        created=True,
    )
