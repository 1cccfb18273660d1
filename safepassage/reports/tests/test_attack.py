"""The linear-programming attack on every registered report.

For each report, on seeded cubes full of small counts, every table a page
or an export can show (the whole year, a slice of periods, a region or a
category picked out, headquarters at k and a unit at its own k) is
attacked as an attacker holding it would: for every suppressed value
(cell or total), HiGHS minimises and maximises it subject to everything
shown. The interval must be at least the protection level wide (k).
The canonical year tables are attacked too, since a page shows parts of
them. A test that only looked for small numbers would not show this.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from safepassage.reports import registry, selectors
from safepassage.reports.attack import augmented_grid, intervals
from safepassage.reports.disclosure import Published
from safepassage.reports.models import ReportCell
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
    "received": ("received", "region"),
    "received_tsp": ("township",),
    # Amounts, and the people behind them (any numbers: the protection
    # must hold whatever the contributors are).
    "w_items": ("kind", "calibre"),
    "w_items_pp": ("kind*", "calibre*"),
    "w_items_py": ("kind*", "calibre*"),
    "w_rounds": ("calibre",),
    "w_rounds_pp": ("calibre*",),
    "w_rounds_py": ("calibre*",),
    "paid": ("purpose",),
    "paid_pp": ("purpose*",),
    "paid_py": ("purpose*",),
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
    "received": [f"MMR{n:03d}" for n in range(1, 6)],
    "purpose": ["reward:MMK", "stipend:MMK", "other:THB"],
}
AMOUNTS_HEAVY = [0, 0, 1, 2, 3, 12, 40, 300, 900, 5000, 120_000]
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
            values = VALUES[name.rstrip("*")]
            if name.endswith("*"):  # a contributor cube: margins too
                name, values = name[:-1], [*values, "*"]
            keys = [f"{k}|{name}={v}" if k else f"{name}={v}" for k in keys for v in values]
        draw = AMOUNTS_HEAVY if cube in ("w_items", "w_rounds", "paid") else SMALL_HEAVY
        for place in units:
            for key in keys:
                # Weeks and months must agree: draw per week, sum to months.
                per_week = {w: rng.choice(draw) if rng.random() < 0.25 else 0 for w in weeks}
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


def _assert_protected(published: Published, where: str) -> int:
    grid = augmented_grid(published)
    attacked = intervals(grid)
    for (i, j), (low, high) in attacked.items():
        assert high - low >= published.k, (where, (i, j), (low, high))
    return len(attacked)


@pytest.fixture
def seeded():
    hq = headquarters()
    units = [unit("Attack A"), unit("Attack B")]
    _seed(units)
    return hq, units


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
                block = selectors.report_block(scope=scope, report=report, kind=kind, year=YEAR)
                attacked += _assert_protected(block.published, f"{report.name} {kind} block")
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


def test_the_seeded_tables_do_hold_small_counts_to_protect(seeded):
    scope = Scope(headquarters=True, unit_ids=None, k=10, weeks_allowed=True)
    report = registry.BY_NAME["origin"]
    block = selectors.report_block(scope=scope, report=report, kind="week", year=YEAR)
    assert any(cell is None for row in block.published.cells for cell in row)
