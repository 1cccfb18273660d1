"""Quantities and money in the cubes, with the people behind each sum.

A count cube counts people. An *amount* cube holds a sum: items handed
over, rounds of ammunition, minor units of money paid. A sum can point
to a person as surely as a count: one person who hands over three rifles
makes a cell of three items. So every amount cube comes with contributor
cubes that count the PEOPLE behind each sum, and disclosure suppresses an
amount by its number of contributors (`magnitudes.publish_amounts`),
never by its size.

For an amount cube `c` one case writes, besides its sums in `c`:

  c_pp  1 in each period (week, month) where it contributed, however many
        lines or payments it had there;
  c_py  1 in the period of its FIRST contribution in each year (weeks by
        the year they start in, months by the calendar year), so that the
        periods of a year add up to the distinct people of that year.

Both carry each key with every dimension either its value or `*` (all):
the margins of a published table have their own distinct-people counts.
A person who brings rounds in twelve months is one contributor to the
year's total, not twelve, and so cannot pass the threshold alone.

Pure functions of coarse values, like `rollups`: no database, no name.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils import timezone

ALL = "*"
PEOPLE_PER_PERIOD = "_pp"
PEOPLE_PER_YEAR = "_py"

#: Amount cubes, and the dimensions of their keys, in order.
AMOUNT_CUBES: dict[str, tuple[str, ...]] = {
    "w_items": ("kind", "calibre"),  # pieces handed over (not ammunition)
    "w_rounds": ("calibre",),  # rounds of ammunition
    "paid": ("purpose",),  # minor units paid, per purpose and currency
}

PURPOSES = frozenset({"reward", "stipend", "other"})
_CURRENCY = re.compile(r"[A-Z]{3}")
MAX_QUANTITY = 10**7
MAX_MINOR = 10**15


@dataclass(frozen=True)
class Amount:
    cube: str
    day: dt.date | dt.datetime
    dims: tuple[tuple[str, str], ...]  # (name, clean value), in the cube's order
    value: int


def _day(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _periods(day: dt.date) -> tuple[tuple[str, dt.date], tuple[str, dt.date]]:
    week = day - dt.timedelta(days=day.weekday())
    return ("week", week), ("month", day.replace(day=1))


def key_of(dims: Iterable[tuple[str, str]]) -> str:
    return "|".join(f"{name}={value}" for name, value in dims)


def variants(dims: tuple[tuple[str, str], ...]) -> list[str]:
    """The key with each dimension its value or `*`: 2^n keys."""
    choices = [((name, value), (name, ALL)) for name, value in dims]
    return [key_of(combo) for combo in itertools.product(*choices)]


def purpose_code(purpose: object, currency: object) -> str:
    """`reward:MMK`; anything outside the lists is `unknown`."""
    name = purpose if isinstance(purpose, str) and purpose in PURPOSES else "unknown"
    code = currency if isinstance(currency, str) and _CURRENCY.fullmatch(currency) else "unknown"
    return f"{name}:{code}"


def amount_cells(unit_id: int, amounts: Iterable[Amount]) -> Counter[str]:
    """The cells of `amounts` (one case's), sums and contributors both."""
    cells: Counter[str] = Counter()
    per_period: set[str] = set()
    first_in_year: dict[tuple[str, str, int, str], dt.date] = {}
    for amount in amounts:
        if amount.value <= 0:
            continue
        day = _day(amount.day)
        key = key_of(amount.dims)
        for kind, start in _periods(day):
            cells[f"{amount.cube}|{kind}|{start.isoformat()}|{unit_id}|{key}"] += amount.value
            for variant in variants(amount.dims):
                per_period.add(
                    f"{amount.cube}{PEOPLE_PER_PERIOD}|{kind}|{start.isoformat()}|{unit_id}|{variant}"
                )
                slot = (amount.cube, kind, start.year, variant)
                if slot not in first_in_year or start < first_in_year[slot]:
                    first_in_year[slot] = start
    for cell in per_period:
        cells[cell] = 1
    for (cube, kind, _year, variant), start in first_in_year.items():
        cells[f"{cube}{PEOPLE_PER_YEAR}|{kind}|{start.isoformat()}|{unit_id}|{variant}"] = 1
    return cells


def contributors_grid(
    *,
    row_values: list[str],
    col_values: list[str],
    order: tuple[str, ...],
    row_name: str,
    col_name: str | None,
    per_period: Mapping[tuple[str, str], int],
    per_year: Mapping[str, int],
) -> list[list[int]]:
    """Distinct people behind each entry of an augmented table (cells,
    row totals as a last column, column totals as a last row, the grand
    total in the corner).

    Period tables (`col_name` None, columns are period starts): a cell
    and a column total read people per period (`per_period[(key,
    period)]`), a row total and the grand total people per year
    (`per_year[key]`). Cross-tabulations (columns a dimension): every
    entry reads people per year, its key with `*` where it adds up.
    `order` is the cube's order of dimensions in its keys."""

    def key(row: str | None, col: str | None) -> str:
        values = {row_name: row if row is not None else ALL}
        if col_name is not None:
            values[col_name] = col if col is not None else ALL
        return key_of((name, values[name]) for name in order)

    grid: list[list[int]] = []
    for row in [*row_values, None]:
        line = []
        for col in [*col_values, None]:
            if col_name is None:
                if col is None:
                    line.append(per_year.get(key(row, None), 0))
                else:
                    line.append(per_period.get((key(row, None), col), 0))
            else:
                line.append(per_year.get(key(row, col), 0))
        grid.append(line)
    return grid
