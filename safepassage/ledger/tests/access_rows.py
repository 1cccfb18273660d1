"""Finance pages in the access matrix (see tests/access_matrix.py).

Reward officers and approvers reach the pages; a unit's float count is
for that unit's finance staff and headquarters'."""

from __future__ import annotations

from safepassage.accounts.roles import Role
from tests.access_matrix import MATRIX, in_unit, roles

FINANCE = roles(Role.REWARD_OFFICER, Role.REWARD_APPROVER)

MATRIX.row("ledger:overview", allow=FINANCE)
MATRIX.row("ledger:export", kwargs={"fmt": "csv"}, allow=FINANCE, label="GET ledger:export csv")
MATRIX.row("ledger:export", kwargs={"fmt": "xlsx"}, allow=FINANCE, label="GET ledger:export xlsx")
MATRIX.row(
    "ledger:reconcile",
    kwargs=lambda world: {"unit_id": world.units["unit_a"].pk},
    allow=FINANCE,
    label="GET ledger:reconcile own unit",
)
MATRIX.row(
    "ledger:reconcile",
    kwargs=lambda world: {"unit_id": world.units["unit_b"].pk},
    allow=FINANCE & in_unit("hq"),
    label="GET ledger:reconcile other unit",
)
MATRIX.row(
    "ledger:reconcile",
    kwargs=lambda world: {"unit_id": world.units["unit_a"].pk},
    method="post",
    data={"month": "2026-11", "currency": "MMK", "counted_minor": "0", "note": ""},
    allow=FINANCE,
    ok_status=302,
    anonymous=302,
    label="POST ledger:reconcile own unit",
)
MATRIX.row("ledger:budget", allow=FINANCE & in_unit("hq"), label="GET ledger:budget")
MATRIX.row(
    "ledger:budget",
    method="post",
    data={"month": "2026-11", "purpose": "reward", "currency": "MMK", "amount": "5000000"},
    allow=FINANCE & in_unit("hq"),
    ok_status=302,
    anonymous=302,
    label="POST ledger:budget",
)
