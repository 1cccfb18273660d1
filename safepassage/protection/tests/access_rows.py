"""Protection pages in the access matrix (see tests/access_matrix.py).

Only protection officers reach them. A case of unit_a: its unit's
protection officers act on it; headquarters' get 404 (the case is not
theirs: refused and audited by the cases' selector). A house of unit_a:
seen by unit_a's and headquarters' protection officers, nobody else.
"""

from __future__ import annotations

from collections.abc import Callable

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.cases import services as cases_services
from safepassage.cases.models import FamilyMember, Person
from safepassage.protection import services
from safepassage.protection.models import MeasureKind, SafeHouse
from tests.access_matrix import MATRIX, Principal, World, in_unit, roles, world_builder

OFFICER = roles(Role.PROTECTION_OFFICER)


@world_builder
def _protection(world: World) -> None:
    unit = world.units["unit_a"]
    officer = UserFactory(unit=unit, roles=[Role.PROTECTION_OFFICER])
    case = cases_services.case_open(actor=None, unit=unit, summary="protection matrix")
    person = Person.objects.create(case=case, data_key=case.data_key, name_latin="Matrix")
    member = FamilyMember.objects.create(person=person, data_key=case.data_key, relation="mother")
    house = SafeHouse(unit=unit, label="Matrix house", location="Matrix lane", capacity=5)
    house.save()
    measure = services.measure_create(
        actor=officer, case=case, kind=MeasureKind.RELOCATION, owner=officer
    )
    placed = cases_services.case_open(actor=None, unit=unit, summary="placed")
    placement = services.placement_create(actor=officer, case=placed, house=house)
    world.objects.update(
        protection_case=case,
        protection_member=member,
        protection_house=house,
        protection_measure=measure,
        protection_placed=placed,
        protection_placement=placement,
        protection_officer=officer,
    )


def _on_case(ok: int) -> Callable[[Principal, World], int]:
    def expect(principal: Principal, world: World) -> int:
        if principal.role != Role.PROTECTION_OFFICER:
            return 403
        return ok if principal.unit == "unit_a" else 404

    return expect


def _code(world: World) -> dict[str, object]:
    return {"code": world.objects["protection_case"].code}


for name in ("protection:reviews", "protection:houses", "protection:house_new"):
    MATRIX.row(name, allow=OFFICER)
MATRIX.row(
    "protection:house",
    allow=OFFICER,
    kwargs=lambda world: {"house_id": world.objects["protection_house"].pk},
)
MATRIX.row(
    "protection:house_new",
    allow=OFFICER,
    method="post",
    data={"label": "Matrix new", "location": "Matrix new lane", "capacity": "2"},
    ok_status=302,
)
for name in ("protection:case", "protection:assess", "protection:family_add"):
    MATRIX.row(name, allow=OFFICER, kwargs=_code, expect=_on_case(200))
MATRIX.row(
    "protection:family_edit",
    allow=OFFICER,
    kwargs=lambda world: {
        **_code(world),
        "member_id": world.objects["protection_member"].pk,
    },
    expect=_on_case(200),
)
MATRIX.row(
    "protection:family_edit",
    allow=OFFICER,
    kwargs=lambda world: {
        **_code(world),
        "member_id": world.objects["protection_member"].pk,
    },
    method="post",
    data={"relation": "sister", "name": "", "township": "", "risk_notes": ""},
    expect=_on_case(302),
)
MATRIX.row(
    "protection:assess_member",
    allow=OFFICER,
    kwargs=lambda world: {
        **_code(world),
        "member_id": world.objects["protection_member"].pk,
    },
    expect=_on_case(200),
)
MATRIX.row(
    "protection:family_add",
    allow=OFFICER,
    kwargs=_code,
    method="post",
    data={"relation": "brother", "name": "", "township": "", "risk_notes": ""},
    expect=_on_case(302),
)
MATRIX.row(
    "protection:measure_add",
    allow=OFFICER,
    kwargs=_code,
    method="post",
    data=lambda world: {"kind": "new_phone", "owner": world.objects["protection_officer"].pk},
    expect=_on_case(302),
)
MATRIX.row(
    "protection:measure_move",
    allow=OFFICER,
    kwargs=lambda world: {
        **_code(world),
        "measure_id": world.objects["protection_measure"].pk,
    },
    method="post",
    data={"target": "in_progress"},
    expect=_on_case(302),
)
MATRIX.row(
    "protection:place",
    allow=OFFICER,
    kwargs=_code,
    method="post",
    data=lambda world: {"house": world.objects["protection_house"].pk},
    expect=_on_case(302),
)
MATRIX.row(
    "protection:check_out",
    allow=OFFICER,
    kwargs=lambda world: {
        "code": world.objects["protection_placed"].code,
        "placement_id": world.objects["protection_placement"].pk,
    },
    method="post",
    expect=_on_case(302),
)
# Only the house's own unit edits it; headquarters sees it but is refused.
MATRIX.row(
    "protection:house_edit",
    allow=OFFICER & in_unit("unit_a"),
    kwargs=lambda world: {"house_id": world.objects["protection_house"].pk},
)
MATRIX.row(
    "protection:house_edit",
    allow=OFFICER & in_unit("unit_a"),
    kwargs=lambda world: {"house_id": world.objects["protection_house"].pk},
    method="post",
    data={"label": "Matrix house", "location": "Matrix lane", "capacity": "5", "active": "on"},
    ok_status=302,
)
