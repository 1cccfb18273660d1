"""Integrity alert pages in the access matrix (see tests/access_matrix.py).

Only headquarters' administrators see alerts: the declared role lets every
administrator reach the view, which refuses those of other units.
"""

from __future__ import annotations

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.audit.services import integrity_alert_raise, integrity_alert_resolve
from safepassage.vault.exceptions import RowRef
from tests.access_matrix import MATRIX, Principal, World, in_own_unit, world_builder


@world_builder
def _alerts(world: World) -> None:
    alert = integrity_alert_raise(row=RowRef(model="cases.person", pk="1"), found_in="matrix")
    assert alert is not None
    # Resolved already: the administrator who may resolve it gets 404, not
    # a change that would alter the world for the principals after them.
    admin = UserFactory(unit=world.units["hq"], roles=[Role.ADMINISTRATOR])
    world.objects["integrity_alert"] = integrity_alert_resolve(actor=admin, alert=alert)


def _hq_administrators(ok: int):
    def expect(principal: Principal, world: World) -> int:
        allowed = principal.role == Role.ADMINISTRATOR and principal.unit == "hq"
        return ok if allowed else 403

    return expect


MATRIX.row(
    "audit:integrity_alerts",
    allow=in_own_unit("hq", Role.ADMINISTRATOR),
    expect=_hq_administrators(200),
)
MATRIX.row(
    "audit:integrity_alert_resolve",
    allow=in_own_unit("hq", Role.ADMINISTRATOR),
    kwargs=lambda world: {"pk": world.objects["integrity_alert"].pk},
    method="post",
    expect=_hq_administrators(404),
    anonymous=302,
    not_found_is_refusal=False,  # the world's alert is resolved already
)
