"""The linear-programming attack on every registered report.

On seeded cubes full of small counts, a year is published (every period
closed). Then:

- every stored piece (one table of units by codes per period and
  audience) is attacked on its own: for every suppressed value, HiGHS
  minimises and maximises it subject to everything the piece shows;
- every table a page or an export can show (the whole year, a slice of
  periods, a region or a category picked out, headquarters' all units
  and each unit, a unit's own release at its k) is attacked the same way;
- for two period reports, everything headquarters is shown of them (all
  units and each unit's table, every month) is attacked at once, as sums
  over the true counts.

The interval must be at least the protection level wide (k). A test
that only looked for small numbers would not show this.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from safepassage.reports import publication, registry, selectors
from safepassage.reports.attack import augmented_grid, intervals, linked_intervals
from safepassage.reports.disclosure import Published
from safepassage.reports.models import ReportCell, ReportPiece
from safepassage.reports.policies import Scope
from safepassage.reports.rollups import month_start, week_start

from .factories import headquarters, unit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

YEAR = 2025
CUBE_DIMS: dict[str, tuple[str, ...]] = {
    "flow": ("stage",),
    "origin": ("region", "category"),
    "township": ("township",),
    "who": ("category", "stage"),
    "age_sex": ("age", "sex"),
    "rank": ("rank", "category"),
    "army_type": ("army_type",),
    "army_unit": ("army_unit",),
    "batch": ("batch",),
    "weapons": ("kind", "calibre"),
    "plans": ("state",),
    "milestones": ("dimension",),
    "followups": ("outcome",),
    "grievances": ("kind",),
}
VALUES: dict[str, list[str]] = {
    "stage": ["contacted", "handed_over", "received", "screened", "in_training", "deployed"],
    "region": [f"MMR{n:03d}" for n in range(1, 9)],
    "category": ["conscript", "soldier", "police", "other", "unknown"],
    "township": [f"MMR013{n:03d}" for n in range(1, 45)],
    "age": ["15-19", "20-24", "25-29", "30-34", "unknown"],
    "sex": ["male", "female", "unknown"],
    "rank": ["private", "nco", "officer", "unknown"],
    "army_type": ["lib", "ib", "moc", "rc", "police"],
    "army_unit": [f"lib-{n}" for n in range(1, 40)],
    "batch": ["2024", "2025", "unknown"],
    "kind": ["rifle", "pistol", "ammunition", "grenade"],
    "calibre": ["5.56", "7.62", "9mm", "unknown"],
    "state": ["active", "completed", "lost", "left"],
    "dimension": ["personal", "productive", "family", "health"],
    "outcome": ["done", "due", "cancelled"],
}
SMALL_HEAVY = [0, 0, 0, 1, 1, 2, 3, 4, 6, 9, 12, 25, 60]


def _seed(units) -> None:
    rng = random.Random(22)
    rows = []
    months = [dt.date(YEAR, m, 1) for m in range(1, 13)]
    weeks = sorted(
        {week_start(dt.date(YEAR, 1, 1) + dt.timedelta(days=d)) for d in range(0, 365, 7)}
    )
    weeks = [w for w in weeks if w.year == YEAR]
    for cube, dims in CUBE_DIMS.items():
        keys = [""]
        for name in dims:
            values = VALUES[name]
            keys = [f"{k}|{name}={v}" if k else f"{name}={v}" for k in keys for v in values]
        for place in units:
            for key in keys:
                # Weeks and months must agree: draw per week, sum to months.
                per_week = {w: rng.choice(SMALL_HEAVY) if rng.random() < 0.25 else 0 for w in weeks}
                per_month: dict[dt.date, int] = dict.fromkeys(months, 0)
                for w, n in per_week.items():
                    if n:
                        rows.append(
                            ReportCell(
                                cube=cube,
                                period_kind="week",
                                period_start=w,
                                unit=place,
                                key=key,
                                count=n,
                            )
                        )
                        per_month[month_start(w)] += n
                for m, n in per_month.items():
                    if n:
                        rows.append(
                            ReportCell(
                                cube=cube,
                                period_kind="month",
                                period_start=m,
                                unit=place,
                                key=key,
                                count=n,
                            )
                        )
    ReportCell.objects.bulk_create(rows, batch_size=2000)


def _assert_protected(published: Published, where: str, k: int | None = None) -> int:
    grid = augmented_grid(published)
    attacked = intervals(grid)
    for (i, j), (low, high) in attacked.items():
        assert high - low >= (k or published.k), (where, (i, j), (low, high))
    return len(attacked)


@pytest.fixture
def seeded():
    hq = headquarters()
    units = [unit("Attack A"), unit("Attack B")]
    _seed(units)
    # Every period of the year has ended (the last week ends 5 January).
    publication.reports_publish(today=dt.date(YEAR + 1, 1, 5))
    return hq, units


def _piece_published(piece: ReportPiece) -> Published:
    table = piece.table
    return Published(
        row_labels=tuple(str(u) for u in table["rows"]),
        col_labels=tuple(str(c) for c in table["cols"]),
        cells=tuple(tuple(row) for row in table["cells"]),
        row_totals=tuple(table["row_totals"]),
        col_totals=tuple(table["col_totals"]),
        total=table["total"],
        status=(),
        k=piece.k,
    )


def test_every_stored_piece_withstands_the_attack(seeded):
    attacked = 0
    pieces = list(ReportPiece.objects.all())
    assert {p.period_kind for p in pieces} == {"week", "month", "quarter"}
    for piece in pieces:
        attacked += _assert_protected(_piece_published(piece), str(piece), piece.k)
    assert attacked > 500


def test_no_suppressed_value_of_any_report_can_be_worked_out(seeded):
    _hq, units = seeded
    scopes = [
        Scope(headquarters=True, unit_ids=None, k=10, weeks_allowed=True),
        Scope(headquarters=False, unit_ids=frozenset({units[0].pk}), k=5, weeks_allowed=False),
    ]
    attacked = 0
    for scope in scopes:
        for report in selectors.reports_for(scope):
            kinds = ["week", "month"] if scope.weeks_allowed else ["month"]
            for kind in kinds:
                views = [
                    selectors.Filters(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), kind),
                    selectors.Filters(dt.date(YEAR, 3, 5), dt.date(YEAR, 8, 20), kind),
                    selectors.Filters(
                        dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), kind, region="MMR003"
                    ),
                    selectors.Filters(
                        dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), kind, category="soldier"
                    ),
                ]
                if kind == "week":  # wide tables: the whole year and a slice
                    views = views[:2]
                elif scope.headquarters:
                    views.append(
                        selectors.Filters(
                            dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), kind, unit_id=units[1].pk
                        )
                    )
                for filters in views:
                    result = selectors.report_table(scope=scope, report=report, filters=filters)
                    attacked += _assert_protected(result.published, f"{report.name} {filters}")
    # The seeding makes suppression common: the test attacked many values.
    assert attacked > 500


def _sums(published: Published, units: list[int], all_rows: list[str], col_keys: list):
    """What one view tells, as sums of atoms (unit, row label, column)."""
    known, hidden = [], []

    def add(atoms, value):
        atoms = frozenset(atoms)
        (hidden.append(atoms) if value is None else known.append((atoms, value)))

    rows = list(published.row_labels)
    for i, row in enumerate(rows):
        for j, col in enumerate(col_keys):
            add({(u, row, col) for u in units}, published.cells[i][j])
        add({(u, row, c) for u in units for c in col_keys}, published.row_totals[i])
    for j, col in enumerate(col_keys):
        add({(u, r, col) for u in units for r in all_rows}, published.col_totals[j])
    add({(u, r, c) for u in units for r in all_rows for c in col_keys}, published.total)
    for row in set(all_rows) - set(rows):  # a missing row holds nobody
        for col in col_keys:
            known.append((frozenset((u, row, col) for u in units), 0))
    return known, hidden


@pytest.mark.parametrize(
    ("name", "end"),
    [("origin", dt.date(YEAR, 6, 30)), ("depletion", dt.date(YEAR, 12, 31))],
)
def test_everything_headquarters_is_shown_withstands_one_attack(seeded, name, end):
    _hq, units = seeded
    scope = Scope(headquarters=True, unit_ids=None, k=10, weeks_allowed=True)
    report = registry.BY_NAME[name]
    ids = [u.pk for u in units]
    views = {
        unit_id: selectors.report_table(
            scope=scope,
            report=report,
            filters=selectors.Filters(dt.date(YEAR, 4, 1), end, "month", unit_id=unit_id),
        ).published
        for unit_id in (None, *ids)
    }
    all_rows = list(views[None].row_labels)
    known, hidden = [], []
    for unit_id, published in views.items():
        k, h = _sums(
            published, ids if unit_id is None else [unit_id], all_rows, list(published.col_labels)
        )
        known += k
        hidden += h
    assert len(hidden) > 20
    for (low, high), atoms in zip(linked_intervals(known, hidden), hidden, strict=True):
        assert high - low >= 10, (name, sorted(atoms)[:3], low, high)


def test_the_seeded_tables_do_hold_small_counts_to_protect(seeded):
    assert any(
        v is None
        for piece in ReportPiece.objects.filter(report="origin")
        for row in piece.table["cells"]
        for v in row
    )
