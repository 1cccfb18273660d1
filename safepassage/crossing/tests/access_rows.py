"""The crossing in the access matrix: a plan (and an alert) of a case of
unit A. Its handlers and headquarters' protection officers see it; a
handler of another unit gets 404 (audited); a protection officer outside
headquarters and every other role 403."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.cases.services import case_transition
from safepassage.cases.tests.factories import case_create
from safepassage.crossing import services
from safepassage.crossing.models import AlertKind
from tests.access_matrix import MATRIX, Principal, World, in_unit, roles, world_builder


@world_builder
def _plan(world: World) -> None:
    unit = world.units["unit_a"]
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    case = case_create(unit=unit)
    case_transition(actor=handler, case=case, target="planning")
    start = timezone.now() + dt.timedelta(hours=1)
    plan = services.plan_create(
        actor=handler,
        case=case,
        meeting_point="matrix point",
        place_shared="matrix place",
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
    )
    world.objects["crossing_case"] = case
    world.objects["plan"] = plan
    world.objects["alert"] = services.alert_raise(plan=plan, kind=AlertKind.ABORT)


def _sees(ok: int):
    """Unit A's handlers and headquarters' protection officers: `ok`;
    another unit's handler: 404; anyone else: 403."""

    def expect(principal: Principal, world: World) -> int:
        if principal.role == Role.UNIT_HANDLER:
            return ok if principal.unit == "unit_a" else 404
        if principal.role == Role.PROTECTION_OFFICER and principal.unit == "hq":
            return ok
        return 403

    return expect


def _handles(ok: int, *, hq_protection: int = 403):
    def expect(principal: Principal, world: World) -> int:
        if principal.role == Role.UNIT_HANDLER:
            return ok if principal.unit == "unit_a" else 404
        if principal.role == Role.PROTECTION_OFFICER and principal.unit == "hq":
            return hq_protection
        return 403

    return expect


def _plan_kwargs(world: World) -> dict[str, object]:
    return {"public_id": world.objects["plan"].public_id}


MATRIX.row("crossing:plan", allow=roles(), kwargs=_plan_kwargs, expect=_sees(200))
MATRIX.row(
    "crossing:alerts",
    allow=roles(Role.UNIT_HANDLER) | (roles(Role.PROTECTION_OFFICER) & in_unit("hq")),
)
MATRIX.row(
    "crossing:alert_acknowledge",
    allow=roles(),
    kwargs=lambda world: {"pk": world.objects["alert"].pk},
    method="post",
    expect=_sees(302),
)
MATRIX.row(
    "crossing:case",
    allow=roles(),
    kwargs=lambda world: {"code": world.objects["crossing_case"].code},
    expect=_handles(302),
)
MATRIX.row("crossing:plan_edit", allow=roles(), kwargs=_plan_kwargs, expect=_handles(200))
for name, data in (
    ("crossing:plan_words", {}),
    ("crossing:plan_send", {}),
    ("crossing:plan_arrival", {"note": "matrix: no words"}),
    ("crossing:plan_not_arrived", {"reason": "matrix: nobody came"}),
):
    MATRIX.row(
        name, allow=roles(), kwargs=_plan_kwargs, method="post", data=data, expect=_handles(302)
    )
MATRIX.row(
    "crossing:plan_review",
    allow=roles(),
    kwargs=_plan_kwargs,
    method="post",
    data={"decision": "lost"},
    expect=_sees(302),
)
MATRIX.row("crossing:staff_channel", allow=roles(Role.ADMINISTRATOR))
