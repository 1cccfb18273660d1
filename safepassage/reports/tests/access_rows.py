"""Report pages in the access matrix (see tests/access_matrix.py).

Analysts read reports, at headquarters and in a unit (their own unit's
figures); every other role gets 403. A headquarters-only report
(townships of origin) answers a unit's analyst 404, as an unknown report
does: it learns nothing about it.
"""

from __future__ import annotations

from safepassage.accounts.roles import Role
from tests.access_matrix import MATRIX, Principal, World, roles

ANALYSTS = roles(Role.ANALYST)


def _hq_only(principal: Principal, world: World) -> int:
    if principal.role != Role.ANALYST:
        return 403
    return 200 if principal.unit == "hq" else 404


MATRIX.row("reports:dashboard", allow=ANALYSTS)
MATRIX.row("reports:brief", allow=ANALYSTS)
MATRIX.row(
    "reports:report", kwargs={"name": "flow"}, allow=ANALYSTS, label="GET reports:report flow"
)
MATRIX.row(
    "reports:report",
    kwargs={"name": "township"},
    allow=ANALYSTS,
    expect=_hq_only,
    not_found_is_refusal=False,
    label="GET reports:report township (headquarters only)",
)
MATRIX.row(
    "reports:export",
    kwargs={"name": "origin", "fmt": "csv"},
    allow=ANALYSTS,
    label="GET reports:export origin csv",
)
MATRIX.row(
    "reports:export",
    kwargs={"name": "weapons", "fmt": "xlsx"},
    allow=ANALYSTS,
    label="GET reports:export weapons xlsx",
)
