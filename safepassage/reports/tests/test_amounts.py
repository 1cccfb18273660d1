"""Amounts in the cubes: sums, and the distinct people behind each sum,
per period and per year, margins included."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from safepassage.reports import amounts, rollups

from .test_rollups import _case

T = dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC)


def _item(quantity=1, calibre="5.56x45", category="rifle", at=T, ammunition=False):
    return SimpleNamespace(
        category=category,
        calibre=calibre,
        quantity=quantity,
        received_at=at,
        is_ammunition=ammunition,
    )


def _cells(**sources):
    return rollups.contribution(rollups.Sources(case=_case(), **sources))


def _month(cells, cube):
    return {c.split("|", 4)[4]: n for c, n in cells.items() if c.startswith(f"{cube}|month|")}


def test_one_person_with_three_rifles_is_three_pieces_and_one_contributor():
    cells = _cells(items=[_item(), _item(), _item()])
    assert _month(cells, "w_items") == {"kind=rifle|calibre=5.56x45": 3}
    people = _month(cells, "w_items_pp")
    assert people == {
        "kind=rifle|calibre=5.56x45": 1,
        "kind=rifle|calibre=*": 1,
        "kind=*|calibre=5.56x45": 1,
        "kind=*|calibre=*": 1,
    }
    assert _month(cells, "w_items_py") == people


def test_rounds_are_their_own_cube_and_never_counted_as_pieces():
    cells = _cells(items=[_item(900, "7.62x39", "ammunition", ammunition=True), _item()])
    assert _month(cells, "w_rounds") == {"calibre=7.62x39": 900}
    assert _month(cells, "w_items") == {"kind=rifle|calibre=5.56x45": 1}


def test_a_person_bringing_rounds_in_three_months_is_one_contributor_to_the_year():
    days = [T, T + dt.timedelta(days=31), T + dt.timedelta(days=62)]
    items = [_item(100, "9x19", "ammunition", at=d, ammunition=True) for d in days]
    cells = _cells(items=items)
    per_period = {c: n for c, n in cells.items() if c.startswith("w_rounds_pp|month|")}
    assert len(per_period) == 6  # three months, each with the key and its "*"
    per_year = {c: n for c, n in cells.items() if c.startswith("w_rounds_py|month|")}
    # Once a year, in the month of the first contribution.
    assert per_year == {
        "w_rounds_py|month|2026-03-01|7|calibre=9x19": 1,
        "w_rounds_py|month|2026-03-01|7|calibre=*": 1,
    }
    assert sum(n for c, n in cells.items() if c.startswith("w_rounds|month|")) == 300


def test_the_first_week_of_a_year_counts_by_the_year_it_starts_in():
    # 2026-01-01 is a Thursday: its week starts on 2025-12-29.
    late = dt.datetime(2025, 12, 20, 10, tzinfo=dt.UTC)
    early = dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    items = [_item(5, "9x19", "ammunition", at=d, ammunition=True) for d in (late, early)]
    cells = _cells(items=items)
    weeks = sorted(c for c in cells if c.startswith("w_rounds_py|week|") and c.endswith("=*"))
    # Both weeks start in 2025: one contributor to 2025's weeks, counted once.
    assert weeks == ["w_rounds_py|week|2025-12-15|7|calibre=*"]
    months = sorted(c for c in cells if c.startswith("w_rounds_py|month|") and c.endswith("=*"))
    assert months == [
        "w_rounds_py|month|2025-12-01|7|calibre=*",
        "w_rounds_py|month|2026-01-01|7|calibre=*",
    ]


def test_payments_are_summed_per_purpose_and_currency():
    pay = [
        SimpleNamespace(purpose="reward", currency="MMK", amount_minor=300_000, paid_at=T),
        SimpleNamespace(purpose="reward", currency="MMK", amount_minor=200_000, paid_at=T),
        SimpleNamespace(purpose="stipend", currency="MMK", amount_minor=50_000, paid_at=T),
    ]
    cells = _cells(payments=pay)
    assert _month(cells, "paid") == {"purpose=reward:MMK": 500_000, "purpose=stipend:MMK": 50_000}
    assert _month(cells, "paid_pp")["purpose=*"] == 1


@given(
    purpose=st.text(max_size=20),
    currency=st.text(max_size=8),
    amount=st.one_of(st.integers(), st.text(max_size=5), st.none()),
    quantity=st.one_of(st.integers(), st.text(max_size=5), st.none()),
)
def test_hostile_amounts_never_reach_a_clear_key_or_a_negative_sum(
    purpose, currency, amount, quantity
):
    pay = [SimpleNamespace(purpose=purpose, currency=currency, amount_minor=amount, paid_at=T)]
    items = [_item(quantity=quantity, calibre=purpose, category=currency)]
    cells = _cells(payments=pay, items=items)
    for cell, n in cells.items():
        assert n > 0
        key = cell.split("|", 4)[4]
        for part in key.split("|"):
            _name, value = part.split("=")
            assert value.isascii() or value == "unknown" or "×" in value, cell
            assert "<" not in value
            assert len(value) <= 40


def test_the_contributors_grid_reads_periods_for_cells_and_years_for_row_totals():
    grid = amounts.contributors_grid(
        row_values=["9x19"],
        col_values=["2026-01-01", "2026-02-01"],
        order=("calibre",),
        row_name="calibre",
        col_name=None,
        per_period={("calibre=9x19", "2026-01-01"): 1, ("calibre=*", "2026-01-01"): 1},
        per_year={"calibre=9x19": 1, "calibre=*": 1},
    )
    assert grid == [[1, 0, 1], [1, 0, 1]]


def test_received_counts_the_receiving_units_base_and_the_origin():
    reached = {"received": dt.datetime(2026, 3, 14, tzinfo=dt.UTC)}
    cells = rollups.contribution(
        rollups.Sources(case=_case(reached=reached), received_township="MMR005012")
    )
    assert "received|month|2026-03-01|7|received=MMR005|region=MMR013" in cells
    assert "received_tsp|month|2026-03-01|7|township=MMR005012" in cells
    # Not received: not counted; no base recorded: "unknown".
    assert not any(c.startswith("received") for c in _cells())
    cells = rollups.contribution(rollups.Sources(case=_case(reached=reached)))
    assert "received_tsp|month|2026-03-01|7|township=unknown" in cells
