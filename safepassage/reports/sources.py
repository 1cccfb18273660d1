"""Sources that other branches of work provide, reached behind a guard.

The structured service record's selector
(`cases.selectors.service_facts_for_reporting`) and the grievances app
may not be installed in every build; until they are, the reports that
read them show no figures (the cube stays empty) rather than failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.apps import apps

from safepassage.cases import selectors as cases_selectors


def service_facts_for_reporting(case_ids: Sequence[int]) -> dict[int, Any]:
    select: Callable[[Sequence[int]], dict[int, Any]] | None = getattr(
        cases_selectors, "service_facts_for_reporting", None
    )
    if select is None or not case_ids:
        return {}
    return select(case_ids)


def grievances_available() -> bool:
    return apps.is_installed("safepassage.grievances")


def grievances_for_reporting(case_ids: Sequence[int]) -> dict[int, list[tuple[str, dt.date]]]:
    if not grievances_available() or not case_ids:
        return {}
    return {}
