"""bench/screening/ceiling.py: the F1 a labelled list allows, on lists small
enough to count by hand."""

from __future__ import annotations

import pytest

from bench.screening.ceiling import measure

TOWNSHIP = "MMR013004"


def _list(namesake_year: str) -> tuple[list[list[str]], list[str]]:
    """Person A: two records sharing a phone, a third sharing only the name,
    the township and the year. B: a namesake in the same township, born in
    `namesake_year`. C: two records sharing a phone."""
    rows = [
        ["a1", "Aung Kyaw Moe", "", "", "1990", "", "09 420 111 111", TOWNSHIP],
        ["a2", "Aung Kyaw Moe", "", "", "1990", "", "09420111111", TOWNSHIP],
        ["a3", "Aung Kyaw Moe", "", "", "1990", "", "", TOWNSHIP],
        ["b1", "Aung Kyaw Moe", "", "", namesake_year, "", "", TOWNSHIP],
        ["c1", "Thida Win", "", "", "", "", "09 420 222 222", TOWNSHIP],
        ["c2", "Thida Win", "", "", "", "", "09420222222", TOWNSHIP],
    ]
    return rows, ["A", "A", "A", "B", "C", "C"]


def test_a_namesake_the_fields_cannot_tell_apart_caps_recall() -> None:
    """a3 meets A's records and B alike (name, township, year): the cell
    holding its true pairs holds the false ones too, so the ceiling takes
    only what the phones decide."""
    rows, labels = _list(namesake_year="1990")
    c = measure(rows, labels, min_precision=0.98).ceiling
    assert c.true_pairs == 4  # a1-a2, a1-a3, a2-a3, c1-c2
    assert c.strong_pairs == 2  # a1-a2, c1-c2
    assert c.candidates == 3  # {a1,a2}-a3, {a1,a2}-b1, a3-b1
    assert (c.candidate_pairs, c.candidate_true, c.beyond) == (5, 2, 0)
    assert c.cells_taken == 0
    assert c.recall == pytest.approx(0.5)
    assert c.precision == 1.0
    assert c.f1 == pytest.approx(2 / 3)
    assert c.all_weak_recall == 1.0


def test_a_namesake_told_apart_by_the_year_leaves_the_true_link_to_take() -> None:
    rows, labels = _list(namesake_year="1975")
    c = measure(rows, labels, min_precision=0.98).ceiling
    assert c.strong_pairs == 2
    assert c.candidate_true == 2
    assert c.f1 == 1.0
    assert c.cells_taken >= 1


def test_true_pairs_sharing_no_name_are_beyond_every_candidate() -> None:
    """Two records of one person under names with different keys, sharing
    nothing strong: no candidate holds them; only the 'for free' line
    counts them."""
    rows = [
        ["x1", "Zaw Min Htet", "", "", "1988", "", "", TOWNSHIP],
        ["x2", "Nyein Chan", "", "", "1988", "", "", TOWNSHIP],
    ]
    c = measure(rows, ["X", "X"], min_precision=0.98).ceiling
    assert (c.true_pairs, c.strong_pairs, c.candidates, c.beyond) == (1, 0, 0, 1)
    assert c.f1 == 0.0
    assert c.free_recall == 1.0
