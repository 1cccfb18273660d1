"""Disclosure control against the linear-programming attack.

The attack here is written again, independently of ``attack.py``: every
entry of the table with its totals is a variable, published entries are
fixed by their bounds, and HiGHS minimises and maximises each suppressed
one. If ``publish`` left any suppressed value narrower than the
protection level, these tests fail (``test_the_attack_recovers_...``
shows that they can).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from safepassage.reports.attack import attack_interval
from safepassage.reports.disclosure import Published, Suppression, Table, publish


def _entries(p: Published) -> list[list[int | None]]:
    grid = [[*row, rt] for row, rt in zip(p.cells, p.row_totals, strict=True)]
    grid.append([*p.col_totals, p.total])
    return grid


def lp_range(p: Published, row: int, col: int) -> tuple[float, float]:
    """Least and greatest value of one entry given all that is published."""
    grid = _entries(p)
    n_r, n_c = len(p.row_labels), len(p.col_labels)
    width = n_c + 1

    def var(i: int, j: int) -> int:
        return i * width + j

    n = (n_r + 1) * width
    a_eq, b_eq = [], []
    for i in range(n_r + 1):  # each row, the totals' row too, adds up
        eq = np.zeros(n)
        for j in range(n_c):
            eq[var(i, j)] = 1
        eq[var(i, n_c)] = -1
        a_eq.append(eq)
        b_eq.append(0)
    for j in range(n_c + 1):
        eq = np.zeros(n)
        for i in range(n_r):
            eq[var(i, j)] = 1
        eq[var(n_r, j)] = -1
        a_eq.append(eq)
        b_eq.append(0)
    bounds = []
    for i in range(n_r + 1):
        for j in range(n_c + 1):
            v = grid[i][j]
            # Zeros are always published, so a hidden value is at least 1.
            bounds.append((v, v) if v is not None else (1, None))
    c = np.zeros(n)
    c[var(row, col)] = 1
    low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert low.status == 0, low.message
    assert high.status in (0, 3), high.message
    return low.fun, (math.inf if high.status == 3 else -high.fun)


def assert_protected(table: Table, p: Published) -> None:
    """The promise of ``publish``, checked from the outside."""
    truth = [[*row, sum(row)] for row in table.counts]
    truth.append([sum(col) for col in zip(*table.counts, strict=True)] if table.counts else [])
    if not table.counts:
        truth[-1] = [0] * len(table.col_labels)
    truth[-1].append(sum(map(sum, table.counts)))
    grid = _entries(p)
    for i, row in enumerate(grid):
        for j, shown in enumerate(row):
            true = truth[i][j]
            if shown is None:
                assert true >= 1, "zeros are published"
                low, high = lp_range(p, i, j)
                assert low <= true <= high
                assert high - low >= p.protection - 1e-6, (
                    f"entry ({i}, {j}) = {true} narrowed to [{low}, {high}]"
                )
            else:
                assert shown == true, "a published value is the true value"
                assert not 1 <= true < p.k, f"small value {true} published at ({i}, {j})"


def table(counts: list[list[int]]) -> Table:
    return Table.from_rows(
        [f"r{i}" for i in range(len(counts))],
        [f"c{j}" for j in range(len(counts[0]) if counts else 0)],
        counts,
    )


def test_a_small_cell_is_hidden_and_cannot_be_recovered() -> None:
    t = table([[1, 20, 30], [15, 2, 40], [25, 30, 50]])
    p = publish(t, k=10)
    assert p.cells[0][0] is None
    assert p.status[0][0] is Suppression.PRIMARY
    assert p.status[1][1] is Suppression.PRIMARY
    assert any(s is Suppression.SECONDARY for row in p.status for s in row)
    assert p.total == 213
    assert_protected(t, p)


def test_the_attack_recovers_a_table_with_only_its_small_cells_hidden() -> None:
    """Primary suppression alone is not enough, and the attack says so."""
    t = table([[1, 20, 30], [15, 22, 40], [25, 30, 50]])
    naive = Published(
        row_labels=t.row_labels,
        col_labels=t.col_labels,
        cells=((None, 20, 30), (15, 22, 40), (25, 30, 50)),
        row_totals=(51, 77, 105),
        col_totals=(41, 72, 120),
        total=233,
        status=((Suppression.PRIMARY,) + (Suppression.NONE,) * 2,) + ((Suppression.NONE,) * 3,) * 2,
        k=10,
        protection=10,
    )
    assert lp_range(naive, 0, 0) == (1, 1)
    assert attack_interval(naive, 0, 0) == (1.0, 1.0)
    with pytest.raises(AssertionError):
        assert_protected(t, naive)


def test_nothing_is_hidden_when_every_count_is_large_or_zero() -> None:
    t = table([[0, 20], [15, 0]])
    p = publish(t, k=10)
    assert p.cells == ((0, 20), (15, 0))
    assert p.row_totals == (20, 15)
    assert p.col_totals == (15, 20)
    assert p.total == 35
    assert p.suppressed_count == 0


def test_a_small_total_is_hidden_and_protected() -> None:
    t = table([[3, 0, 2], [40, 50, 60], [30, 20, 25]])
    p = publish(t, k=10)
    assert p.row_totals[0] is None
    assert p.row_total_status[0] is Suppression.PRIMARY
    assert_protected(t, p)


def test_one_row_and_one_column_tables() -> None:
    for counts in ([[1, 20, 30, 45]], [[4], [50], [12], [30]], [[3]], [[30]]):
        t = table(counts)
        p = publish(t, k=5)
        assert_protected(t, p)
    only = publish(table([[3]]), k=5)
    assert only.cells == ((None,),)
    assert only.total is None


def test_empty_and_all_zero_tables() -> None:
    zeros = table([[0, 0], [0, 0]])
    p = publish(zeros, k=10)
    assert p.cells == ((0, 0), (0, 0))
    assert p.total == 0
    empty = Table((), (), ())
    p = publish(empty, k=10)
    assert p.cells == ()
    assert p.total == 0
    no_columns = Table(("a", "b"), (), ((), ()))
    assert publish(no_columns, k=10).row_totals == (0, 0)


def test_a_table_whose_grand_total_is_small_hides_everything_but_zeros() -> None:
    t = table([[1, 0], [2, 3]])
    p = publish(t, k=10)
    assert p.cells == ((None, 0), (None, None))
    assert p.total is None
    assert_protected(t, p)


def test_a_higher_protection_level_is_kept() -> None:
    t = table([[1, 40, 60, 5], [50, 70, 80, 90], [30, 60, 20, 100]])
    p = publish(t, k=10, protection=35)
    assert p.protection == 35
    assert_protected(t, p)


def test_publish_is_deterministic() -> None:
    t = table([[1, 20, 30, 3], [15, 2, 40, 11], [25, 30, 50, 9]])
    assert publish(t, k=10) == publish(t, k=10)


def test_attack_interval_names_the_totals_and_refuses_outside_entries() -> None:
    t = table([[1, 20], [15, 30]])
    p = publish(t, k=10)
    assert attack_interval(p, 2, 2) == (66.0, 66.0)
    with pytest.raises(IndexError):
        attack_interval(p, 3, 0)


@pytest.mark.parametrize("k", [1, 0, -3])
def test_k_below_two_is_refused(k: int) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        publish(table([[1]]), k=k)


def test_odd_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        publish(table([[1]]), k=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 2"):
        publish(table([[1]]), k=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="protection"):
        publish(table([[1]]), k=5, protection=0)


@pytest.mark.parametrize(
    ("rows", "cols", "counts", "message"),
    [
        (("a", "b"), ("x", "y"), ((1, 2), (3,)), "row 1 has 1 counts"),
        (("a",), ("x", "y"), ((1, -2),), "negative"),
        (("a",), ("x",), ((1.5,),), "not a whole count"),
        (("a",), ("x",), (("3",),), "not a whole count"),
        (("a",), ("x",), ((None,),), "not a whole count"),
        (("a",), ("x",), ((True,),), "not a whole count"),
        (("a", "b"), ("x",), ((1,),), "2 row labels but 1 rows"),
    ],
)
def test_malformed_tables_are_refused(rows, cols, counts, message) -> None:
    with pytest.raises(ValueError, match=message):
        Table(rows, cols, counts)


SMALLISH = st.one_of(
    st.integers(0, 12),
    st.sampled_from([0, 0, 1, 1, 2, 3, 15, 40, 100]),
    st.integers(0, 300),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    n_rows = draw(st.integers(1, 8))
    n_cols = draw(st.integers(1, 8))
    counts = [[draw(SMALLISH) for _ in range(n_cols)] for _ in range(n_rows)]
    return table(counts)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t=tables(), k=st.integers(2, 15))
def test_no_suppressed_value_can_be_narrowed_below_the_protection_level(t: Table, k: int) -> None:
    assert_protected(t, publish(t, k=k))


@settings(max_examples=25, deadline=None)
@given(t=tables(), k=st.integers(2, 12), extra=st.integers(0, 20))
def test_protection_above_k_holds_too(t: Table, k: int, extra: int) -> None:
    assert_protected(t, publish(t, k=k, protection=k + extra))


@settings(max_examples=25, deadline=None)
@given(t=tables(), k=st.integers(2, 12))
def test_the_module_attack_agrees_with_the_independent_one_and_with_integers(
    t: Table, k: int
) -> None:
    p = publish(t, k=k)
    grid = _entries(p)
    hidden = [(i, j) for i, row in enumerate(grid) for j, v in enumerate(row) if v is None]
    for i, j in hidden[:6]:
        expected = lp_range(p, i, j)
        assert attack_interval(p, i, j) == pytest.approx(expected)
        assert attack_interval(p, i, j, integer=True) == pytest.approx(expected)
