"""Receipt pages in the access matrix (see tests/access_matrix.py).

Any member of staff checks a receipt; a receipt's page opens for the
staff of its unit and of headquarters, and answers 404 (audited) to
anyone else."""

from __future__ import annotations

import datetime as dt

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.receipts import services
from tests.access_matrix import ANY_STAFF, MATRIX, Principal, World, in_unit, world_builder


@world_builder
def _receipts(world: World) -> None:
    for key in ("unit_a", "unit_b"):
        issuer = UserFactory(unit=world.units[key], roles=[Role.REWARD_OFFICER])
        world.objects[f"receipt_{key}"] = services.receipt_issue(
            actor=issuer,
            kind="handover",
            case_code="SP-AAAA-BBBB",
            unit_label=key,
            lines=[{"item": "pistol", "quantity": 1}],
            total_minor=None,
            currency=None,
            schedule_version=None,
            issued_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        )


def _other_unit(principal: Principal, world: World) -> int:
    return 200 if principal.unit == "hq" else 404


MATRIX.row("receipts:verify", allow=ANY_STAFF)
MATRIX.row(
    "receipts:verify",
    method="post",
    data={"text": "SPR1.garbage.x"},
    allow=ANY_STAFF,
    anonymous=302,
    label="POST receipts:verify",
)
MATRIX.row(
    "receipts:detail",
    kwargs=lambda world: {"number": world.objects["receipt_unit_a"].number},
    allow=in_unit("unit_a", "hq"),
    label="GET receipts:detail own unit",
)
MATRIX.row(
    "receipts:detail",
    kwargs=lambda world: {"number": world.objects["receipt_unit_b"].number},
    allow=in_unit("hq"),
    expect=_other_unit,
    label="GET receipts:detail other unit",
)
