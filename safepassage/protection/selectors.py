"""Every read of protection data, starting from what the user may see.

- A case's protection data: protection officers of the case's unit (the
  case is loaded through `cases.selectors.case_get_for_user`, which
  refuses and audits another unit's case).
- Safe houses, their labels and locations: protection officers of the
  house's unit, and headquarters' protection officers. Nobody else, not
  handlers, not caseworkers, not administrators: `houses_visible_to`
  answers an empty set to them, and another unit's house is refused and
  audited (`protection.access_refused`) by `house_get_for_user`.

Nothing here decrypts by itself: encrypted values are opened when a
template reads them; the views audit the fields they show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from safepassage.accounts.policies import acts_across_units
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.cases import selectors as cases_selectors
from safepassage.cases.models import Case, FamilyMember
from safepassage.cases.policies import user_may_act_on_case
from safepassage.geo.selectors import township_by_pcode

from .models import Placement, ProtectiveMeasure, RiskAssessment, SafeHouse, ThreatKind
from .workflow import MEASURE_FINAL, measure_moves_from

_WITH_KEY = ("data_key__unit_key",)
#: The reviews queue shows what falls due within this many days.
REVIEW_SOON_DAYS = 7


class HouseNotFound(Exception):
    """No such house for this user: absent or another unit's (answered alike)."""


def is_protection_officer(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_any_role({Role.PROTECTION_OFFICER})
    )


def may_protect_case(user: Any, case: Case) -> bool:
    return is_protection_officer(user) and user_may_act_on_case(user, case)


# --- safe houses --------------------------------------------------------


def houses_visible_to(user: Any) -> QuerySet[SafeHouse]:
    """The houses whose label and location this user may be shown."""
    if not is_protection_officer(user):
        return SafeHouse.objects.none()
    if acts_across_units(user):
        return SafeHouse.objects.all()
    return SafeHouse.objects.filter(unit_id=user.unit_id)


def _with_occupancy(houses: QuerySet[SafeHouse]) -> QuerySet[SafeHouse]:
    return houses.annotate(
        occupancy=Count("placements", filter=Q(placements__checked_out_at__isnull=True))
    )


def house_get_for_user(*, user: Any, pk: int, request: Any = None) -> SafeHouse:
    """The house, if this user may see it; HouseNotFound otherwise. A refused
    look-up of an existing house is audited without saying so to the user."""
    house = (
        _with_occupancy(houses_visible_to(user))
        .select_related("unit", *_WITH_KEY)
        .filter(pk=pk)
        .first()
    )
    if house is None:
        other = SafeHouse.objects.filter(pk=pk).only("pk", "unit_id").first()
        if other is not None:
            audit_record(
                actor=user,
                action="protection.access_refused",
                target=other,
                unit=other.unit_id,
                request=request,
            )
        raise HouseNotFound()
    return house


def house_list(*, user: Any) -> list[SafeHouse]:
    """The houses this user may see, with `occupancy` (open placements)."""
    return list(
        _with_occupancy(houses_visible_to(user))
        .select_related("unit", *_WITH_KEY)
        .order_by("unit__name", "id")
    )


def houses_for_case(*, user: Any, case: Case) -> list[SafeHouse]:
    """The houses a case may be placed in: in use, of the case's own unit."""
    if not may_protect_case(user, case):
        return []
    return list(
        _with_occupancy(SafeHouse.objects.filter(unit_id=case.unit_id, active=True))
        .select_related(*_WITH_KEY)
        .order_by("id")
    )


def house_placements(*, house: SafeHouse, limit: int = 50) -> dict[str, list[Placement]]:
    """Open placements and the latest ended ones of a house the caller has
    already loaded through `house_get_for_user` (case codes only)."""
    rows = Placement.objects.filter(house=house).select_related("case", "placed_by")
    return {
        "open": list(rows.filter(checked_out_at__isnull=True).order_by("checked_in_at")),
        "ended": list(
            rows.filter(checked_out_at__isnull=False).order_by("-checked_out_at")[:limit]
        ),
    }


# --- a case's protection -----------------------------------------------


@dataclass(frozen=True)
class Subject:
    """The person or one family member, with their current assessment and
    the superseded ones, newest first."""

    member: FamilyMember | None
    current: RiskAssessment | None
    history: list[RiskAssessment]


def _assessments(case: Case) -> list[RiskAssessment]:
    return list(
        RiskAssessment.objects.filter(case=case)
        .select_related("assessed_by", *_WITH_KEY)
        .prefetch_related("threats__kind", "threats__data_key__unit_key")
        .order_by("-version", "-id")
    )


def case_protection(*, user: Any, case: Case) -> dict[str, Any]:
    """What the case's protection page shows; `fields_shown` names the
    encrypted fields it decrypts, for the view's audited read. The case is
    one the user may see (loaded by `cases.selectors.case_get_for_user`)."""
    family = cases_selectors.case_family(case=case)
    for relative in family:
        relative.township_label = _township_label(relative.township)  # type: ignore[attr-defined]
    assessments = _assessments(case)
    subjects: list[Subject] = []
    for member in [None, *family]:
        mine = [
            a
            for a in assessments
            if a.family_member_id == (member.pk if member is not None else None)
        ]
        current = next((a for a in mine if a.current), None)
        subjects.append(
            Subject(member=member, current=current, history=[a for a in mine if not a.current])
        )
    measures = list(
        ProtectiveMeasure.objects.filter(case=case)
        .select_related("owner", *_WITH_KEY)
        .order_by("-created_at", "-id")
    )
    for measure in measures:
        measure.moves = (  # type: ignore[attr-defined]
            [] if measure.state in MEASURE_FINAL else measure_moves_from(measure.state)
        )
    placements = list(
        Placement.objects.filter(case=case)
        .select_related("house__unit", "house__data_key__unit_key")
        .order_by("-checked_in_at", "-id")
    )
    open_placement = next((p for p in placements if p.checked_out_at is None), None)
    fields_shown = ["assessments", "measures"]
    if family:
        fields_shown.append("family")
    if placements:
        fields_shown.append("house_label")
    return {
        "case": case,
        "has_person": cases_selectors.case_has_person(case=case),
        "subjects": subjects,
        "family": family,
        "measures": measures,
        "placements": placements,
        "open_placement": open_placement,
        "houses": houses_for_case(user=user, case=case) if open_placement is None else [],
        "owners": cases_selectors.assignable_staff(case=case),
        "threat_kinds": threat_kinds_active(),
        "fields_shown": fields_shown,
    }


def _township_label(pcode: str | None) -> str:
    if not pcode:
        return ""
    township = township_by_pcode(pcode)
    return f"{township.name_en} ({pcode})" if township is not None else pcode


def threat_kinds_active() -> list[ThreatKind]:
    return list(ThreatKind.objects.filter(active=True).order_by("order", "id"))


def measure_get(*, case: Case, pk: int) -> ProtectiveMeasure | None:
    return ProtectiveMeasure.objects.filter(case=case, pk=pk).first()


def placement_get(*, case: Case, pk: int) -> Placement | None:
    return Placement.objects.filter(case=case, pk=pk).first()


# --- reviews ------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    assessment_id: int
    case_code: str
    family_member: bool
    level: int
    level_label: str
    review_on: dt.date
    overdue: bool


def reviews_due(
    *, user: Any, today: dt.date | None = None, within_days: int = REVIEW_SOON_DAYS
) -> list[ReviewRow]:
    """Current assessments of the user's unit's cases whose review falls
    due within `within_days` (overdue first). Case codes and levels only:
    nothing decrypted."""
    if not is_protection_officer(user):
        return []
    day = today or timezone.localdate()
    rows = (
        RiskAssessment.objects.filter(
            current=True,
            case__unit_id=user.unit_id,
            review_on__lte=day + dt.timedelta(days=within_days),
        )
        .select_related("case")
        .only("pk", "case__code", "family_member_id", "level", "review_on")
        .order_by("review_on", "id")[:500]
    )
    return [
        ReviewRow(
            assessment_id=a.pk,
            case_code=a.case.code,
            family_member=a.family_member_id is not None,
            level=a.level,
            level_label=str(a.get_level_display()),
            review_on=a.review_on,
            overdue=a.review_on <= day,
        )
        for a in rows
    ]


@dataclass(frozen=True)
class HomeFigures:
    reviews_overdue: int
    reviews_soon: int
    open_placements: int
    houses: int
    places_free: int


def home_figures(*, user: Any, today: dt.date | None = None) -> HomeFigures:
    """Counts for the protection officer's home panel (nothing decrypted)."""
    day = today or timezone.localdate()
    mine = RiskAssessment.objects.filter(current=True, case__unit_id=user.unit_id)
    houses = house_list(user=user)
    return HomeFigures(
        reviews_overdue=mine.filter(review_on__lte=day).count(),
        reviews_soon=mine.filter(
            review_on__gt=day, review_on__lte=day + dt.timedelta(days=REVIEW_SOON_DAYS)
        ).count(),
        open_placements=Placement.objects.filter(
            case__unit_id=user.unit_id, checked_out_at__isnull=True
        ).count(),
        houses=len(houses),
        places_free=sum(
            max(h.capacity - h.occupancy, 0)  # type: ignore[attr-defined]
            for h in houses
            if h.active
        ),
    )
