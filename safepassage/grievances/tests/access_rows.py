"""Complaints in the access matrix: one complaint about a case of unit A.
Headquarters' protection officers and unit handlers read and act on it;
the same roles held in unit A (the unit concerned) get 403 on the list
and 404 on the complaint (audited, like any object of another unit);
every other role 403. The public form answers everyone the same."""

from __future__ import annotations

from safepassage.accounts.roles import Role
from safepassage.grievances import services
from tests.access_matrix import ANY_STAFF, MATRIX, Principal, World, in_unit, roles, world_builder


@world_builder
def _complaint(matrix_world: World) -> None:
    # The complaint is about the matrix's unit A (headquarters is the matrix's).
    grievance = services.grievance_submit(
        code="", receipt="", kind="abuse", body="matrix complaint", channel="web", source="m"
    )
    type(grievance).objects.filter(pk=grievance.pk).update(
        concerns_unit=matrix_world.units["unit_a"]
    )
    matrix_world.objects["grievance"] = grievance


_HQ_ROLES = (Role.PROTECTION_OFFICER, Role.UNIT_HANDLER)
_ALLOW = roles(*_HQ_ROLES) & in_unit("hq")


def _object(ok: int):
    def expect(principal: Principal, matrix_world: World) -> int:
        if principal.role in _HQ_ROLES:
            return ok if principal.unit == "hq" else 404
        return 403

    return expect


def _kwargs(matrix_world: World) -> dict[str, object]:
    return {"public_id": matrix_world.objects["grievance"].public_id}


MATRIX.row("grievances:list", allow=_ALLOW)
MATRIX.row("grievances:detail", allow=_ALLOW, kwargs=_kwargs, expect=_object(200))
MATRIX.row(
    "grievances:answer",
    allow=_ALLOW,
    kwargs=_kwargs,
    method="post",
    data={"text": "matrix answer"},
    expect=_object(302),
)
MATRIX.row(
    "grievances:move",
    allow=_ALLOW,
    kwargs=_kwargs,
    method="post",
    data={"target": "in_progress"},
    expect=_object(302),
)
MATRIX.row("complaint:form", allow=ANY_STAFF, anonymous=200, unverified=200)
