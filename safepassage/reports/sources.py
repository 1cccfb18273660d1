"""Sources reached through one door each.

The structured service record comes from
`cases.selectors.service_facts_for_reporting` (coarse values; one audit
event per call). Grievances come already counted per unit concerned, month
and kind from `grievances.selectors.grievance_counts`: the refresh
replaces their cube from it (months only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from safepassage.cases import selectors as cases_selectors
from safepassage.grievances.selectors import grievance_counts


def service_facts_for_reporting(case_ids: Sequence[int]) -> dict[int, Any]:
    if not case_ids:
        return {}
    return dict(cases_selectors.service_facts_for_reporting(case_ids))


def grievance_cells() -> list[tuple[int, dt.date, str, int]]:
    """(unit concerned, month, kind, count) from the grievances app's own
    counts; complaints whose unit is not known are left out (they belong
    to no unit's figures)."""
    today = timezone.localdate()
    merged: dict[tuple[int, dt.date, str], int] = {}
    for cell in grievance_counts(period_from=dt.date(2000, 1, 1), period_to=today):
        if cell.unit_id is None or cell.count <= 0:
            continue
        slot = (int(cell.unit_id), cell.month.replace(day=1), str(cell.kind))
        merged[slot] = merged.get(slot, 0) + int(cell.count)
    return [(unit, month, kind, n) for (unit, month, kind), n in merged.items()]
