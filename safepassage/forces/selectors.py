"""Reads of the unit directory: which units can receive from a township.

The directory is configuration, not case data, but it says where units
are based: views that show it declare HQ routing roles (intake operators,
administrators), never every member of staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from safepassage.accounts.models import Unit
from safepassage.accounts.selectors import units_active
from safepassage.geo.distance import distance_km
from safepassage.geo.models import Township
from safepassage.geo.selectors import townships_among

from .models import UnitCoverage, UnitProfile

__all__ = ["UnitDistance", "unit_coverage_list", "unit_profile_get", "units_near"]


@dataclass(frozen=True, slots=True)
class UnitDistance:
    """A candidate unit for a township.

    `distance_km` is seat to seat between the unit's base township and the
    township asked about (0.0 when they are the same); None when either
    point, or the unit's base, is unknown. `covers` is true when the unit
    has declared the township part of its area.
    """

    unit: Unit
    covers: bool
    distance_km: float | None
    base_township: Township | None


def units_near(township: Township, n: int = 5) -> list[UnitDistance]:
    """Up to `n` active reception units for `township`, best first.

    Order: units covering the township (nearest base first), then the
    others by distance between base townships, then units whose distance
    is unknown (no profile, no base, or a base or township without a
    point); ties by unit name. Headquarters and inactive units never
    appear. Two queries, whatever the number of units.
    """
    if n <= 0:
        return []
    covering = set(UnitCoverage.objects.filter(township=township).values_list("unit_id", flat=True))
    profiles = {
        p.unit_id: p
        for p in UnitProfile.objects.filter(
            unit__is_active=True, unit__is_headquarters=False
        ).select_related("base_township")
    }
    candidates = []
    for unit in units_active(headquarters=False):
        profile = profiles.get(unit.pk)
        base = profile.base_township if profile is not None else None
        candidates.append(
            UnitDistance(
                unit=unit,
                covers=unit.pk in covering,
                distance_km=distance_km(base, township) if base is not None else None,
                base_township=base,
            )
        )
    candidates.sort(
        key=lambda c: (
            not c.covers,
            c.distance_km is None,
            c.distance_km if c.distance_km is not None else 0.0,
            c.unit.name,
        )
    )
    return candidates[:n]


def unit_profile_get(unit: Unit) -> UnitProfile | None:
    return UnitProfile.objects.select_related("base_township").filter(unit=unit).first()


def unit_coverage_list(unit: Unit) -> list[Township]:
    """The townships the unit covers, by place code."""
    return townships_among(
        UnitCoverage.objects.filter(unit=unit).values_list("township_id", flat=True)
    )
