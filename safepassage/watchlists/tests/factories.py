from __future__ import annotations

import io

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory
from safepassage.watchlists import services
from safepassage.watchlists.models import WatchList
from safepassage.watchlists.reading import read_list_file


def keeper() -> object:
    """A screening officer of headquarters: the one role that keeps lists."""
    return UserFactory(unit=HeadquartersFactory(), roles=[Role.SCREENING_OFFICER])


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def list_with(actor, *lines: str, name: str = "Known informants") -> WatchList:
    watch_list = services.watchlist_create(actor=actor, name=name)
    services.watchlist_import(
        actor=actor, watch_list=watch_list, sheet=read_list_file(csv_bytes(*lines))
    )
    return watch_list
