"""The stored release: joint protection, two releases, no LP on a page.

The attacks here hold what one audience is shown, every table at once,
as sums over the true counts ("atoms": unit, row, period), and ask
HiGHS for the least and greatest value of every hidden one
(`attack.linked_intervals`). Each attack is first run against the old
behaviour (each table published on its own; an open period republished
at every refresh), where it works, then against the release, where it
must fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable

import pytest
from django.urls import reverse

from safepassage.accounts.tests.factories import sign_in
from safepassage.reports import attack, disclosure, publication, registry, selectors
from safepassage.reports.attack import linked_intervals
from safepassage.reports.disclosure import Published, Table, publish
from safepassage.reports.models import ReportCell, ReportPiece
from safepassage.reports.policies import Scope

from .factories import analyst, headquarters, unit

pytestmark = pytest.mark.django_db

HQ = Scope(headquarters=True, unit_ids=None, k=10, weeks_allowed=True)
ORIGIN = registry.BY_NAME["origin"]
REGIONS = ("MMR001", "MMR002", "MMR003")
# A month that starts on a Monday: its first four weeks lie inside it.
JUNE = dt.date(2026, 6, 1)
MAY = dt.date(2026, 5, 1)
WEEKS = [JUNE + dt.timedelta(days=7 * n) for n in range(4)]

Sums = list[tuple[frozenset[Hashable], int]]


def _cell(place, kind: str, start: dt.date, region: str, count: int) -> None:
    key = f"region={region}|category=conscript"
    row, _new = ReportCell.objects.get_or_create(
        cube="origin",
        period_kind=kind,
        period_start=start,
        unit=place,
        key=key,
        defaults={"count": 0},
    )
    row.count += count
    row.save()


def _month(place, start: dt.date, counts: dict[str, int]) -> None:
    for region, n in counts.items():
        if n:
            _cell(place, "month", start, region, n)


def _equations(
    published: Published,
    *,
    units: list[int],
    row_codes: list[str],
    col_keys: list[Hashable],
    all_rows: list[str],
) -> tuple[Sums, list[frozenset[Hashable]]]:
    """What one view tells: each value a sum of atoms (unit, row, column)."""
    known: Sums = []
    hidden: list[frozenset[Hashable]] = []

    def add(atoms: set[Hashable], value: int | None) -> None:
        (
            hidden.append(frozenset(atoms))
            if value is None
            else known.append((frozenset(atoms), value))
        )

    for i, row in enumerate(row_codes):
        for j, col in enumerate(col_keys):
            add({(u, row, col) for u in units}, published.cells[i][j])
        add({(u, row, col) for u in units for col in col_keys}, published.row_totals[i])
    for j, col in enumerate(col_keys):
        add({(u, row, col) for u in units for row in all_rows}, published.col_totals[j])
    add({(u, row, col) for u in units for row in all_rows for col in col_keys}, published.total)
    # A row missing from the view holds nobody: the reader knows it.
    for row in set(all_rows) - set(row_codes):
        for col in col_keys:
            known.append((frozenset((u, row, col) for u in units), 0))
    return known, hidden


def _region_codes(published: Published) -> list[str]:
    names = {label: code for code, label in selectors._labels_for(ORIGIN.rows, set(REGIONS))}
    return [names[label] for label in published.row_labels]


def _hq_views(units: list, start: dt.date, end: dt.date, kind: str) -> tuple[Sums, list]:
    """Everything headquarters is shown of `origin`: all units, and each unit."""
    known: Sums = []
    hidden: list = []
    ids = [u.pk for u in units]
    for unit_id in (None, *ids):
        filters = selectors.Filters(start, end, kind, unit_id=unit_id)
        published = selectors.report_table(scope=HQ, report=ORIGIN, filters=filters).published
        cols = [(kind, label) for label in published.col_labels]
        k, h = _equations(
            published,
            units=ids if unit_id is None else [unit_id],
            row_codes=_region_codes(published),
            col_keys=cols,
            all_rows=list(REGIONS),
        )
        known += k
        hidden += h
    return known, hidden


def _widths(known: Sums, hidden: list) -> list[float]:
    return [high - low for low, high in linked_intervals(known, hidden)]


# (a) Headquarters' all-units table and its per-unit tables, jointly.

# Unit A's 3 in MMR001 is small; every other unit's MMR001 and the
# all-units MMR001 are large.
JOINT = {
    "A": {"MMR001": 3, "MMR002": 30, "MMR003": 25},
    "B": {"MMR001": 12, "MMR002": 20, "MMR003": 14},
    "C": {"MMR001": 15, "MMR002": 11, "MMR003": 40},
}


def test_old_behaviour_each_table_alone_lets_the_all_units_cell_uncover_a_unit():
    """Each table published on its own (the old report_block): unit A's 3
    is hidden in A's table, but all units' 30 minus B's 12 and C's 15 is 3."""
    names = list(JOINT)
    tables = {name: [[JOINT[name][r]] for r in REGIONS] for name in names}
    views = {
        name: publish(Table.from_rows(REGIONS, ["June"], t), k=10) for name, t in tables.items()
    }
    everyone = [[sum(JOINT[n][r] for n in names)] for r in REGIONS]
    views["all"] = publish(Table.from_rows(REGIONS, ["June"], everyone), k=10)
    assert views["A"].cells[0][0] is None  # hidden in A's own table
    known: Sums = []
    hidden: list = []
    for name, view in views.items():
        k, h = _equations(
            view,
            units=names if name == "all" else [name],
            row_codes=list(REGIONS),
            col_keys=["June"],
            all_rows=list(REGIONS),
        )
        known += k
        hidden += h
    target = frozenset({("A", "MMR001", "June")})
    low, high = linked_intervals(known, [target])[0]
    assert low == high == 3  # the attack works: the old tables leak


def test_headquarters_release_protects_all_units_and_each_unit_jointly():
    headquarters()
    units = [unit(f"Joint {name}") for name in JOINT]
    for place, name in zip(units, JOINT, strict=True):
        _month(place, JUNE, JOINT[name])
    publication.reports_publish(today=dt.date(2026, 7, 2))
    filters = selectors.Filters(JUNE, dt.date(2026, 6, 30), "month", unit_id=units[0].pk)
    mine = selectors.report_table(scope=HQ, report=ORIGIN, filters=filters).published
    assert mine.cells[_region_codes(mine).index("MMR001")][0] is None
    known, hidden = _hq_views(units, JUNE, dt.date(2026, 6, 30), "month")
    assert hidden, "the release hides something to attack"
    target = frozenset({(units[0].pk, "MMR001", ("month", "2026-06"))})
    assert target in hidden
    widths = _widths(known, hidden)
    assert min(widths) >= 10, widths


# (b) Two releases: an open month is not republished; a closed one is frozen.

FIRST = {"MMR001": 14, "MMR002": 22, "MMR003": 31}


def test_old_behaviour_republishing_an_open_month_uncovers_a_week_by_difference():
    """The open June published at the refresh of 15 June (weeks 1-2) and
    again when closed; the week table hides week 3's 3 in MMR001 (and week
    2 with it), but June then, minus June before, minus week 4, is 3."""
    weeks = {
        "MMR001": [60, 11, 3, 48],
        "MMR002": [55, 12, 44, 50],
        "MMR003": [40, 33, 57, 61],
    }
    cols = [w.isoformat() for w in WEEKS]
    before = publish(
        Table.from_rows(REGIONS, ["June"], [[sum(weeks[r][:2])] for r in REGIONS]), k=10
    )
    after = publish(Table.from_rows(REGIONS, ["June"], [[sum(weeks[r])] for r in REGIONS]), k=10)
    week_table = publish(Table.from_rows(REGIONS, cols, [weeks[r] for r in REGIONS]), k=10)
    assert week_table.cells[0][2] is None
    assert week_table.cells[0][3] == 48
    known: Sums = []
    hidden: list = []
    for view, col_keys, parts in (
        (before, ["June"], {"June": cols[:2]}),
        (after, ["June"], {"June": cols}),
        (week_table, cols, {c: [c] for c in cols}),
    ):
        # Rewrite each view's columns as the weeks they add up.
        k, h = _equations(
            view, units=["all"], row_codes=list(REGIONS), col_keys=col_keys, all_rows=list(REGIONS)
        )
        for atoms, value in k:
            known.append((frozenset((u, r, w) for u, r, c in atoms for w in parts[c]), value))
        for atoms in h:
            hidden.append(frozenset((u, r, w) for u, r, c in atoms for w in parts[c]))
    target = frozenset({("all", "MMR001", cols[2])})
    low, high = linked_intervals(known, [target])[0]
    assert low == high == 3  # the attack works: two releases of an open month leak


def _stored() -> dict[tuple, dict]:
    return {
        (p.report, p.audience, p.unit_id, p.period_kind, p.period_start): p.table
        for p in ReportPiece.objects.all()
    }


def test_two_releases_show_nothing_that_the_later_does_not():
    headquarters()
    units = [unit(f"Two {name}") for name in JOINT]
    weeks = {
        "MMR001": [20, 15, 3, 18],
        "MMR002": [25, 12, 4, 30],
        "MMR003": [40, 33, 27, 21],
    }
    for place in units:
        _month(place, MAY, FIRST)
    # Release 1 on 15 June: weeks 1 and 2 of June are in the cubes.
    for place in units:
        for region in REGIONS:
            for n in (0, 1):
                _cell(place, "week", WEEKS[n], region, weeks[region][n])
                _cell(place, "month", JUNE, region, weeks[region][n])
    first = publication.reports_publish(today=dt.date(2026, 6, 15))
    assert first.pieces
    stored = _stored()
    june = selectors.report_table(
        scope=HQ, report=ORIGIN, filters=selectors.Filters(MAY, dt.date(2026, 6, 30), "month")
    ).published
    assert june.col_labels == ("2026-05",)  # the open June is not published
    known, hidden = _hq_views(units, MAY, dt.date(2026, 6, 30), "month")
    k2, h2 = _hq_views(units, WEEKS[0], dt.date(2026, 6, 30), "week")
    known, hidden = known + k2, hidden + h2

    # Between the releases: weeks 3 and 4 arrive, and a late case is
    # counted into the closed May of unit A.
    for place in units:
        for region in REGIONS:
            for n in (2, 3):
                _cell(place, "week", WEEKS[n], region, weeks[region][n])
                _cell(place, "month", JUNE, region, weeks[region][n])
    _cell(units[0], "month", MAY, "MMR001", 2)
    publication.reports_publish(today=dt.date(2026, 7, 2))
    after = _stored()
    for key, table in stored.items():
        assert after[key] == table, key  # frozen: the same values, the same [c]
    assert len(after) > len(stored)
    k3, h3 = _hq_views(units, MAY, dt.date(2026, 6, 30), "month")
    k4, h4 = _hq_views(units, WEEKS[0], dt.date(2026, 6, 30), "week")
    known += k3 + k4
    hidden += h3 + h4
    assert hidden
    widths = _widths(known, hidden)
    assert min(widths) >= 10, widths


def test_a_release_is_idempotent_and_an_earlier_day_publishes_nothing():
    place = unit()
    _month(place, MAY, FIRST)
    assert publication.reports_publish(today=dt.date(2026, 6, 3)).pieces
    count = ReportPiece.objects.count()
    assert publication.reports_publish(today=dt.date(2026, 6, 3)).pieces == 0
    assert publication.reports_publish(today=dt.date(2026, 5, 20)).pieces == 0
    assert ReportPiece.objects.count() == count


# The stored release holds published values only.


def test_no_stored_value_is_a_count_the_page_would_hide():
    headquarters()
    units = [unit(f"Small {n}") for n in range(3)]
    for n, place in enumerate(units):
        _month(place, MAY, {"MMR001": 1 + n, "MMR002": 4 * n, "MMR003": 9 + n})
        _month(place, JUNE, {"MMR001": 7, "MMR002": 2, "MMR003": 30 + n})
    publication.reports_publish(today=dt.date(2026, 7, 2))
    pieces = list(ReportPiece.objects.all())
    assert {p.audience for p in pieces} == {"hq", "unit"}
    for piece in pieces:
        table = piece.table
        values = [v for row in table["cells"] for v in row]
        values += table["row_totals"] + table["col_totals"] + [table["total"]]
        for value in values:
            assert value is None or value == 0 or value >= piece.k, (piece, value)
        assert set(table) == {
            "layout",
            "rows",
            "cols",
            "cells",
            "row_totals",
            "col_totals",
            "total",
        }
    # Labels are put on when the page is drawn: the store holds codes.
    assert all(
        isinstance(code, str) and "=" not in code
        for piece in pieces
        for code in piece.table["cols"]
    )


def test_a_page_runs_no_suppression_and_no_linear_programme(client, monkeypatch):
    hq = headquarters()
    place = unit("Cold")
    _month(place, MAY, {"MMR001": 3, "MMR002": 12, "MMR003": 25})
    publication.reports_publish(today=dt.date(2026, 6, 3))

    def refuse(*args, **kwargs):
        raise AssertionError("a page view ran suppression or the attack")

    monkeypatch.setattr(disclosure, "publish", refuse)
    monkeypatch.setattr(publication, "publish", refuse)
    monkeypatch.setattr(attack, "linprog", refuse)
    params = {"start": "2026-01-01", "end": "2026-06-30", "period": "month"}
    for reader in (analyst(hq), analyst(place)):
        sign_in(client, reader)
        for report in registry.REPORTS:
            response = client.get(reverse("reports:report", args=[report.name]), params)
            assert response.status_code in (200, 404), report.name
        page = client.get(reverse("reports:report", args=["origin"]), params).content.decode()
        assert "Figures as of" in page
        assert "[c]" in page
        client.logout()
