"""Who reads which figures, at which threshold: one place.

Reports are for the ANALYST role. An analyst at headquarters reads every
unit's figures, by week or by month, with cells under k suppressed
(`SAFEPASSAGE_REPORTS_K`, default 10). An analyst at a reception unit
(the unit commander's reporting role: a commander who wants the figures
is given the analyst role in their unit) reads that unit's figures only,
by month only, at the lower `SAFEPASSAGE_REPORTS_UNIT_K` (default 5):
they know their own people anyway. Nobody reaches a case from a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from safepassage.accounts.roles import Role

REPORT_ROLES: frozenset[str] = frozenset({Role.ANALYST})
DEFAULT_K = 10
DEFAULT_UNIT_K = 5


@dataclass(frozen=True)
class Scope:
    headquarters: bool
    # None: every unit. Otherwise the units whose figures may be read.
    unit_ids: frozenset[int] | None
    k: int
    weeks_allowed: bool

    @property
    def label(self) -> str:
        return "hq" if self.headquarters else "unit"


def reports_k() -> int:
    return int(getattr(settings, "SAFEPASSAGE_REPORTS_K", DEFAULT_K))


def reports_unit_k() -> int:
    return int(getattr(settings, "SAFEPASSAGE_REPORTS_UNIT_K", DEFAULT_UNIT_K))


def user_reads_reports(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_any_role(REPORT_ROLES)
        and getattr(user, "unit_id", None) is not None
    )


def scope_for(user: Any) -> Scope | None:
    """The user's reporting scope, or None for a user who reads no report."""
    if not user_reads_reports(user):
        return None
    if user.unit.is_headquarters:
        return Scope(headquarters=True, unit_ids=None, k=reports_k(), weeks_allowed=True)
    return Scope(
        headquarters=False,
        unit_ids=frozenset({int(user.unit_id)}),
        k=reports_unit_k(),
        weeks_allowed=False,
    )
