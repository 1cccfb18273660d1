"""Disclosure of amounts: suppressed by the people behind them, protected
in proportion to their size, attacked by linear programming."""

from __future__ import annotations

import random

import numpy as np
import pytest

from safepassage.reports.attack import augmented_grid, intervals
from safepassage.reports.disclosure import Suppression, Table
from safepassage.reports.magnitudes import publish_amounts, required_width


def _augmented(counts):
    a = np.array(counts, dtype=np.int64)
    rows = np.concatenate([a, a.sum(axis=1, keepdims=True)], axis=1)
    return np.concatenate([rows, rows.sum(axis=0, keepdims=True)], axis=0)


def _table(counts):
    return Table.from_rows(
        [f"r{i}" for i in range(len(counts))], [f"c{j}" for j in range(len(counts[0]))], counts
    )


def test_three_rifles_from_one_person_are_suppressed_though_three_is_small_anyway():
    counts = [[3, 40, 25], [30, 22, 41], [18, 27, 33]]
    people = _augmented([[1, 20, 12], [15, 11, 20], [9, 13, 16]])
    published = publish_amounts(_table(counts), people, k=10)
    assert published.cells[0][0] is None
    assert published.status[0][0] is Suppression.PRIMARY


def test_a_large_amount_from_few_people_is_suppressed_and_from_many_published():
    counts = [[9000, 400, 500], [300, 600, 700], [800, 900, 1000]]
    few = _augmented([[2, 12, 12], [12, 12, 12], [12, 12, 12]])
    published = publish_amounts(_table(counts), few, k=10)
    assert published.cells[0][0] is None  # 9000 rounds from two people
    many = _augmented([[12, 12, 12], [12, 12, 12], [12, 12, 12]])
    assert publish_amounts(_table(counts), many, k=10).cells[0][0] == 9000


def test_a_person_alone_in_every_month_does_not_pass_the_threshold_in_the_total():
    # One contributor in each cell and, distinct over the year, one in total.
    counts = [[100, 200, 300]]
    people = [[1, 1, 1, 1], [1, 1, 1, 1]]
    published = publish_amounts(_table(counts), people, k=10)
    assert published.row_totals[0] is None
    assert published.total is None


def test_every_hidden_amount_keeps_an_interval_proportional_to_it():
    rng = random.Random(7)
    attacked = 0
    for _round in range(25):
        rows, cols = rng.randint(2, 6), rng.randint(2, 7)
        counts = [
            [rng.choice([0, 0, 1, 2, 5, 30, 120, 900, 4000]) for _ in range(cols)]
            for _ in range(rows)
        ]
        values = _augmented(counts)
        people = np.where(
            values > 0, np.minimum(values, [[rng.randint(1, 25)] * (cols + 1)] * (rows + 1)), 0
        )
        people[-1, :] = np.maximum(people[-1, :], people[:-1, :].max(axis=0))
        people[:, -1] = np.maximum(people[:, -1], people[:, :-1].max(axis=1))
        published = publish_amounts(_table(counts), people.tolist(), k=10)
        found = intervals(augmented_grid(published))
        for (i, j), (low, high) in found.items():
            assert high - low >= required_width(int(values[i, j]), k=10) - 1e-6, (
                counts,
                (i, j),
                (low, high),
            )
            attacked += 1
        for i in range(rows + 1):
            for j in range(cols + 1):
                if values[i, j] > 0 and people[i, j] < 10:
                    assert (i, j) in found, "a value from fewer than k people was shown"
    assert attacked > 50


def test_bad_arguments_are_refused():
    table = _table([[1, 2], [3, 4]])
    good = _augmented([[1, 2], [3, 4]]).tolist()
    with pytest.raises(ValueError, match="at least 2"):
        publish_amounts(table, good, k=1)
    with pytest.raises(ValueError, match="contributors grid"):
        publish_amounts(table, [[1, 2]], k=10)
    with pytest.raises(ValueError, match="negative"):
        publish_amounts(table, [[-1, 2, 1], [3, 4, 1], [1, 1, 1]], k=10)
