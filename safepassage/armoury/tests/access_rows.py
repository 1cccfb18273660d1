"""Armoury pages in the access matrix (see tests/access_matrix.py).

The world: a cleared case of unit_a with a rifle, a proposed claim, the
same rifle recorded in unit_b (an alert), and a count difference. Unit
pages go to the unit's armoury roles; another unit's case or claim
answers 404 (audited); headquarters pages to headquarters' roles only.
"""

from __future__ import annotations

from collections.abc import Callable

from safepassage.accounts.roles import Role
from safepassage.armoury import services
from safepassage.armoury.models import CountLine, DuplicateSerialAlert
from safepassage.armoury.policies import ALERT_ROLES, ARMOURY_ROLES, FINANCE_ROLES, RECORDERS
from safepassage.armoury.tests.factories import cleared_case, record, schedule, staff
from tests.access_matrix import MATRIX, Principal, World, roles, world_builder


@world_builder
def _armoury(world: World) -> None:
    unit_a, unit_b = world.units["unit_a"], world.units["unit_b"]
    schedule(actor=staff(world.units["hq"], Role.REWARD_APPROVER))
    case = cleared_case(unit_a)
    handler, witness = staff(unit_a, Role.UNIT_HANDLER), staff(unit_a, Role.UNIT_HANDLER)
    item = record(case, handler, witness)
    rounds = record(case, handler, witness, code="ammo-556", quantity=120, serial="")
    claim = services.claim_propose(actor=staff(unit_a, Role.REWARD_OFFICER), case=case)
    other = cleared_case(unit_b)
    record(other, staff(unit_b, Role.UNIT_HANDLER), staff(unit_b, Role.UNIT_HANDLER))
    services.count_record(actor=handler, found={item.pk: 1, rounds.pk: 100})
    world.objects.update(
        armoury_case=case,
        armoury_item=item,
        armoury_claim=claim,
        armoury_alert=DuplicateSerialAlert.objects.get(),
        armoury_line=CountLine.objects.get(item=rounds),
    )


def _as_roles(names: frozenset[str]) -> list[Role]:
    return [Role(r) for r in names]


def _unit_a_object(allowed: frozenset[str], ok: int, hq_ok: frozenset[str] = frozenset()):
    def expect(principal: Principal, world: World) -> int:
        if principal.role not in allowed:
            return 403
        if principal.unit == "unit_a":
            return ok
        return ok if principal.role in hq_ok else 404

    return expect


def _hq_only(allowed: frozenset[str], ok: int) -> Callable[[Principal, World], int]:
    def expect(principal: Principal, world: World) -> int:
        return ok if principal.role in allowed and principal.unit == "hq" else 403

    return expect


def _code(world: World) -> dict[str, str]:
    return {"code": world.objects["armoury_case"].code}


def _pk(key: str) -> Callable[[World], dict[str, int]]:
    return lambda world: {"pk": world.objects[key].pk}


MATRIX.row("armoury:unit", allow=roles(*_as_roles(ARMOURY_ROLES)))
MATRIX.row("armoury:count", allow=roles(*_as_roles(RECORDERS)))
MATRIX.row("armoury:queue", allow=roles(*_as_roles(FINANCE_ROLES)))
MATRIX.row("armoury:export", allow=roles(*_as_roles(FINANCE_ROLES)))
MATRIX.row(
    "armoury:alerts", allow=roles(*_as_roles(ALERT_ROLES)), expect=_hq_only(ALERT_ROLES, 200)
)
MATRIX.row(
    "armoury:schedule",
    allow=roles(*_as_roles(FINANCE_ROLES)),
    expect=_hq_only(FINANCE_ROLES, 200),
)
MATRIX.row(
    "armoury:case",
    allow=roles(*_as_roles(ARMOURY_ROLES)),
    kwargs=_code,
    expect=_unit_a_object(ARMOURY_ROLES, 200),
)
MATRIX.row(
    "armoury:item_new",
    allow=roles(*_as_roles(RECORDERS)),
    kwargs=_code,
    expect=_unit_a_object(RECORDERS, 200),
)
MATRIX.row(
    "armoury:propose",
    allow=roles(Role.REWARD_OFFICER),
    kwargs=_code,
    method="post",
    expect=_unit_a_object(frozenset({Role.REWARD_OFFICER}), 302),
)
MATRIX.row(
    "armoury:item_move",
    allow=roles(*_as_roles(RECORDERS)),
    kwargs=_pk("armoury_item"),
    method="post",
    data={"target": "held"},
    expect=_unit_a_object(RECORDERS, 302),
)
MATRIX.row(
    "armoury:claim",
    allow=roles(*_as_roles(ARMOURY_ROLES)),
    kwargs=_pk("armoury_claim"),
    expect=_unit_a_object(ARMOURY_ROLES, 200, hq_ok=FINANCE_ROLES),
)


def _decide(principal: Principal, world: World) -> int:
    if principal.role not in FINANCE_ROLES:
        return 403
    return 302 if principal.role == Role.REWARD_APPROVER else 403


MATRIX.row(
    "armoury:claim_decide",
    allow=roles(*_as_roles(FINANCE_ROLES)),
    kwargs=_pk("armoury_claim"),
    method="post",
    data={"action": "refuse", "reason": "matrix", "expected_version": 0},
    expect=_decide,
)
MATRIX.row(
    "armoury:alert_decide",
    allow=roles(*_as_roles(ALERT_ROLES)),
    kwargs=_pk("armoury_alert"),
    method="post",
    data={"status": "mistake"},
    expect=_hq_only(ALERT_ROLES, 302),
)
MATRIX.row(
    "armoury:discrepancy_resolve",
    allow=roles(*_as_roles(ALERT_ROLES)),
    kwargs=_pk("armoury_line"),
    method="post",
    expect=_hq_only(ALERT_ROLES, 302),
)


def _pay(principal: Principal, world: World) -> int:
    # The claim is only proposed: the unit's reward officer is told so (302).
    if principal.role != Role.REWARD_OFFICER:
        return 403
    return 302 if principal.unit == "unit_a" else 403


MATRIX.row(
    "armoury:claim_pay",
    allow=roles(Role.REWARD_OFFICER),
    kwargs=_pk("armoury_claim"),
    method="post",
    data={"method": "mobile_money", "reference": "TX-9", "expected_version": 0},
    expect=_pay,
)
MATRIX.row(
    "armoury:handover_receipt",
    allow=roles(*_as_roles(RECORDERS)),
    kwargs=_code,
    method="post",
    expect=_unit_a_object(RECORDERS, 302),
)
