"""Watch-list pages in the access matrix (see tests/access_matrix.py).

Only headquarters' screening officers keep lists: the declared role lets
every screening officer reach the view, which refuses those of other units.
"""

from __future__ import annotations

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.watchlists import services
from safepassage.watchlists.reading import read_list_file
from tests.access_matrix import MATRIX, Principal, World, roles, world_builder


@world_builder
def _lists(world: World) -> None:
    keeper = UserFactory(unit=world.units["hq"], roles=[Role.SCREENING_OFFICER])
    watch_list = services.watchlist_create(actor=keeper, name="matrix")
    world.objects["watch_list"] = watch_list
    world.objects["import"] = services.watchlist_import(
        actor=keeper, watch_list=watch_list, sheet=read_list_file(b"name\nAung Aung\n")
    ).watch_import


def _keepers(ok: int):
    def expect(principal: Principal, world: World) -> int:
        if principal.role != Role.SCREENING_OFFICER:
            return 403
        return ok if principal.unit == "hq" else 403

    return expect


def _pk(world: World) -> dict[str, int]:
    return {"pk": world.objects["watch_list"].pk}


MATRIX.row("watchlists:index", allow=roles(Role.SCREENING_OFFICER), expect=_keepers(200))
MATRIX.row(
    "watchlists:detail", allow=roles(Role.SCREENING_OFFICER), kwargs=_pk, expect=_keepers(200)
)
MATRIX.row(
    "watchlists:active",
    allow=roles(Role.SCREENING_OFFICER),
    kwargs=_pk,
    method="post",
    data={"active": "1"},
    expect=_keepers(302),
    anonymous=302,
)
MATRIX.row(
    "watchlists:import",
    allow=roles(Role.SCREENING_OFFICER),
    kwargs=_pk,
    method="post",
    data={},
    expect=_keepers(400),
    anonymous=302,
)
MATRIX.row(
    "watchlists:import_report",
    allow=roles(Role.SCREENING_OFFICER),
    kwargs=lambda world: {
        "pk": world.objects["watch_list"].pk,
        "import_id": world.objects["import"].pk,
    },
    expect=_keepers(200),
)
