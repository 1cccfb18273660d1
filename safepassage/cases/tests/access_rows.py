"""Case pages in the access matrix (see tests/access_matrix.py).

A case of unit_a: its unit's case roles may open it (200, or 302 after a
POST); case roles elsewhere get 404 (existence is not revealed); roles
without case access get 403 from the view's declaration.
"""

from __future__ import annotations

from collections.abc import Callable

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.cases import services
from safepassage.cases.models import DuplicateProposal, Person, Task
from safepassage.cases.policies import CASE_ROLES, PERSON_EDITORS
from safepassage.cases.screening import services as screening_services
from safepassage.cases.tests.factories import (
    OTHER_NEW,
    OTHER_OLD,
    TWICE_NEW,
    TWICE_OLD,
    details_request_create,
    screened_case,
)
from safepassage.vault.fields import PendingFile
from tests.access_matrix import MATRIX, Principal, World, roles, world_builder

CASE_ROLE_LIST = [Role(r) for r in CASE_ROLES]


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    return out.getvalue()


@world_builder
def _cases(world: World) -> None:
    case = services.case_open(actor=None, unit=world.units["unit_a"], summary="matrix")
    world.objects["case_a"] = case
    world.objects["task_a"] = Task.objects.create(case=case, data_key=case.data_key, title="t")
    Person.objects.create(
        case=case, data_key=case.data_key, photo=PendingFile(_png(), content_type="image/png")
    )
    offered = services.case_open(actor=None, unit=world.units["unit_b"])
    sender = UserFactory(unit=world.units["unit_b"], roles=[Role.UNIT_HANDLER])
    world.objects["transfer_to_a"] = services.case_transfer_request(
        actor=sender, case=offered, to_unit=world.units["unit_a"]
    )
    screening_services.duplicates_propose(groups=[([case.pk, offered.pk], 5.0)])
    world.objects["proposal"] = DuplicateProposal.objects.get()


def _case_page(allowed_roles: frozenset[str], ok: int) -> Callable[[Principal, World], int]:
    def expect(principal: Principal, world: World) -> int:
        if principal.role not in allowed_roles:
            return 403
        return ok if principal.unit == "unit_a" else 404

    return expect


def _code(world: World) -> dict[str, str]:
    return {"code": world.objects["case_a"].code}


for name in ("cases:dashboard", "cases:list", "cases:search", "cases:new"):
    MATRIX.row(name, allow=roles(*CASE_ROLE_LIST))
MATRIX.row("cases:search", allow=roles(*CASE_ROLE_LIST), method="post", data={"q": "Canary Name"})

MATRIX.row(
    "cases:detail", allow=roles(*CASE_ROLE_LIST), kwargs=_code, expect=_case_page(CASE_ROLES, 200)
)
MATRIX.row(
    "cases:person_photo",
    allow=roles(*CASE_ROLE_LIST),
    kwargs=_code,
    expect=_case_page(CASE_ROLES, 200),
)
MATRIX.row(
    "cases:person_edit",
    allow=roles(*CASE_ROLE_LIST),
    kwargs=_code,
    expect=_case_page(PERSON_EDITORS, 200),
)
MATRIX.row(
    "cases:service_edit",
    allow=roles(*CASE_ROLE_LIST),
    kwargs=_code,
    expect=_case_page(PERSON_EDITORS, 200),
)
for name, data in (
    ("cases:transition", {"target": "planning", "expected_version": "0"}),
    ("cases:note", {"body": "matrix note", "expected_version": "0"}),
    ("cases:transfer", {"to_unit": "0", "expected_version": "0"}),
    ("cases:task_add", {"title": "matrix task"}),
):
    MATRIX.row(
        name,
        allow=roles(*CASE_ROLE_LIST),
        kwargs=_code,
        method="post",
        data=data,
        expect=_case_page(CASE_ROLES, 302),
        anonymous=302,
    )
MATRIX.row(
    "cases:transfer_answer",
    allow=roles(*CASE_ROLE_LIST),
    method="post",
    kwargs=lambda world: {"transfer_id": world.objects["transfer_to_a"].pk},
    data={"answer": "decline"},
    expect=_case_page(CASE_ROLES, 302),
)
MATRIX.row(
    "cases:task_done",
    allow=roles(*CASE_ROLE_LIST),
    method="post",
    kwargs=lambda world: {
        "code": world.objects["case_a"].code,
        "task_id": world.objects["task_a"].pk,
    },
    expect=_case_page(CASE_ROLES, 302),
)
MATRIX.row(
    "cases:assign",
    allow=roles(Role.UNIT_HANDLER),
    kwargs=_code,
    method="post",
    data={"users": []},
    expect=_case_page(frozenset({Role.UNIT_HANDLER}), 302),
)
MATRIX.row(
    "cases:township_suggest",
    allow=roles(*(Role(r) for r in PERSON_EDITORS)),
    method="post",
    data={"home_township": "monywa"},
)
MATRIX.row(
    "cases:township_pick",
    allow=roles(*(Role(r) for r in PERSON_EDITORS)),
    method="post",
    data={"pcode": "MMR005012"},
)
MATRIX.row(
    "cases:screening",
    allow=roles(*CASE_ROLE_LIST),
    kwargs=_code,
    expect=_case_page(PERSON_EDITORS, 200),
)
MATRIX.row(
    "cases:screening_decide",
    allow=roles(*CASE_ROLE_LIST),
    kwargs=_code,
    method="post",
    data={"outcome": "cleared", "reasons": "matrix reasons", "expected_version": "0"},
    expect=_case_page(frozenset({Role.SCREENING_OFFICER}), 302),
    anonymous=302,
)
MATRIX.row(
    "cases:duplicate_decide",
    allow=roles(*CASE_ROLE_LIST),
    kwargs=lambda world: {
        "code": world.objects["case_a"].code,
        "proposal_id": world.objects["proposal"].pk,
    },
    method="post",
    data={"answer": "same"},
    expect=_case_page(frozenset({Role.SCREENING_OFFICER}), 302),
    anonymous=302,
)


@world_builder
def _details_requests(world: World) -> None:
    """Two matching pairs across unit_a and unit_b: a request from unit_a
    about a case of unit_b (to withdraw), and one from unit_b about a case
    of unit_a (to answer)."""
    unit_a, unit_b = world.units["unit_a"], world.units["unit_b"]
    asking_a = screened_case(unit_a, **TWICE_NEW)
    owned_b = screened_case(unit_b, **TWICE_OLD)
    asking_b = screened_case(unit_b, **OTHER_NEW)
    owned_a = screened_case(unit_a, **OTHER_OLD)
    officer_a = UserFactory(unit=unit_a, roles=[Role.SCREENING_OFFICER])
    officer_b = UserFactory(unit=unit_b, roles=[Role.SCREENING_OFFICER])
    world.objects["asking_a"] = asking_a
    world.objects["owned_b"] = owned_b
    world.objects["request_from_a"] = details_request_create(
        actor=officer_a, case=asking_a, about=owned_b
    )
    world.objects["request_to_a"] = details_request_create(
        actor=officer_b, case=asking_b, about=owned_a
    )


_SCREENING_OFFICER = frozenset({Role.SCREENING_OFFICER})


def _to_a_or_hq(principal: Principal, world: World) -> int:
    """Answering the request to unit_a: its screening officers and HQ's."""
    return 302 if principal.role == Role.SCREENING_OFFICER else 403


MATRIX.row(
    "cases:details_request",
    allow=roles(Role.SCREENING_OFFICER),
    kwargs=lambda world: {"code": world.objects["asking_a"].code},
    method="post",
    data={"about": "SP-0000-0000", "reason": "matrix"},
    expect=_case_page(_SCREENING_OFFICER, 302),
    anonymous=302,
)
MATRIX.row(
    "cases:details_request_withdraw",
    allow=roles(Role.SCREENING_OFFICER),
    kwargs=lambda world: {"request_id": world.objects["request_from_a"].pk},
    method="post",
    expect=_case_page(_SCREENING_OFFICER, 302),
    anonymous=302,
)
MATRIX.row("cases:details_requests", allow=roles(Role.SCREENING_OFFICER))
MATRIX.row(
    "cases:details_request_answer",
    allow=roles(Role.SCREENING_OFFICER),
    kwargs=lambda world: {"request_id": world.objects["request_to_a"].pk},
    method="post",
    data={"answer": "declined"},
    expect=_to_a_or_hq,
    anonymous=302,
)
