"""What the unit directory hands the reports app: each unit's base
township (its place code), for "where people were received"."""

from __future__ import annotations

from collections.abc import Iterable

from .models import UnitProfile


def unit_base_townships(unit_ids: Iterable[int]) -> dict[int, str]:
    """Unit id -> its base township's place code, for units that have one."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    rows = UnitProfile.objects.filter(unit_id__in=ids, base_township__isnull=False).values_list(
        "unit_id", "base_township_id"
    )
    return {int(unit_id): str(pcode) for unit_id, pcode in rows}
