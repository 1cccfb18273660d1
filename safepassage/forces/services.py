"""Every write to the unit directory, each audited in its transaction.

The directory is headquarters' routing table: only headquarters (or the
system, actor None) writes it. Audit details hold ids and counts only. A unit's base township is
recorded by place code (an identifier of a public place, coarse on
purpose); the townships a unit covers only as counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safepassage.accounts.models import Unit
from safepassage.accounts.policies import check_headquarters
from safepassage.accounts.services import unit_lock
from safepassage.audit import services as audit
from safepassage.geo.models import Township

from .models import UnitCoverage, UnitProfile

__all__ = ["unit_coverage_set", "unit_profile_set"]


def _check_reception_unit(unit: Unit) -> None:
    # Headquarters is not in the directory: recording where it sits would
    # serve no routing and expose the most sensitive place of all.
    if unit.is_headquarters:
        raise ValidationError(_("Headquarters is not a reception unit."), code="headquarters")
    if unit.pk is None:
        raise ValidationError(_("Save the unit first."), code="unsaved")


@transaction.atomic
def unit_profile_set(*, actor: Any, unit: Unit, base_township: Township | None) -> UnitProfile:
    """Set (or clear, with None) the township where `unit` is based.

    Creates the profile on first use. Audited as `forces.unit_profile_set`
    even when nothing changed, since an administrator confirmed the value.
    """
    check_headquarters(actor)
    _check_reception_unit(unit)
    profile, created = UnitProfile.objects.select_for_update().get_or_create(unit=unit)
    previous = profile.base_township_id
    profile.base_township = base_township
    profile.full_clean()
    profile.save()
    audit.audit_record(
        actor=actor,
        action="forces.unit_profile_set",
        target=unit,
        unit=unit,
        # Not the township itself: the chain is permanent, and a unit's past
        # locations are exactly what an adversary would want from it.
        details={
            "has_base_township": base_township is not None,
            "created": created,
            "changed": previous != profile.base_township_id,
        },
    )
    return profile


@transaction.atomic
def unit_coverage_set(*, actor: Any, unit: Unit, townships: Iterable[Township]) -> list[Township]:
    """Make `townships` exactly the set `unit` covers; returns it by pcode.

    Holds a row lock on the unit so two administrators editing the same
    unit apply one after the other. Audited as `forces.unit_coverage_set`
    with counts (added, removed, total).
    """
    check_headquarters(actor)
    _check_reception_unit(unit)
    unit_lock(unit=unit)
    wanted = {t.pk: t for t in townships}
    current = set(UnitCoverage.objects.filter(unit=unit).values_list("township_id", flat=True))
    removed = current - wanted.keys()
    added = wanted.keys() - current
    if removed:
        UnitCoverage.objects.filter(unit=unit, township_id__in=removed).delete()
    if added:
        UnitCoverage.objects.bulk_create(
            UnitCoverage(unit=unit, township_id=pcode) for pcode in sorted(added)
        )
    audit.audit_record(
        actor=actor,
        action="forces.unit_coverage_set",
        target=unit,
        unit=unit,
        details={"added": len(added), "removed": len(removed), "total": len(wanted)},
    )
    return sorted(wanted.values(), key=lambda t: t.pk)
