"""batch.py scores every pair as engine.score does, and blocks as it does."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.screening import batch, engine
from safepassage.screening.records import features_from_fields

NAMES = [
    "Aung",
    "Kyaw",
    "Kyao",
    "Zin",
    "Htet",
    "Tun",
    "Htun",
    "Min",
    "Thu",
    "Pyae",
    "Pye",
    "U",
    "Ko",
]
NAMES_MY = ["အောင်", "ကျော်", "ဇင်", "ထက်", "ထွန်း", "ဦး", "ေအာင္", "စန္ဒာ", "လြင္စိုး"]
DATES = [
    "",
    "1990",
    "1990-05-12",
    "12/05/1990",
    "05/12/1990",
    "1991-05-12",
    "05/1990",
    "31-02-1990",
    "၁၉၉၀-၀၅-၁၂",
    "12 May 1990",
    "May 1990",
    "1989-12-05",
    "1980-05-12",  # one digit from 1990-05-12: a slip of the year
    "1990-05-13",  # ... of the day
    "1990-08-12",  # ... of the month
    "1990-05-21",
    "not a date",
]
NRCS = [
    "",
    "12/ThaKaTa(N)123456",
    "12/ThaKaTa(N)123457",
    "12/OuKaMa(N)123456",
    "၁၂/သကတ(နိုင်)၁၂၃၄၅၆",
    "12/XYZ(N)123456",
    "9/MaKhaNa(N)654321",
    "garbage",
]
PHONES = ["", "09 7123 4567", "+95 9 71234567", "09 7654 3210", "12"]
TOWNSHIPS = ["", "MMR013042", "Thingangyun", "MMR010001", "Nowhere At All"]


def _name(rng: random.Random, table: list[str], space: str) -> str:
    return space.join(rng.choice(table) for _ in range(rng.randint(0, 3)))


def _rows(seed: int, n: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [
        [
            f"r{k}",
            _name(rng, NAMES, rng.choice((" ", ""))),
            _name(rng, NAMES_MY, ""),
            _name(rng, NAMES, " ") if rng.random() < 0.6 else "",
            rng.choice(DATES),
            rng.choice(NRCS),
            rng.choice(PHONES),
            rng.choice(TOWNSHIPS),
        ]
        for k in range(n)
    ]


def _compare(rows: list[list[str]]) -> None:
    coded = batch.code_rows(rows, this_year=2026)
    features = [features_from_fields(*row, this_year=2026) for row in rows]
    assert [coded.features(k) for k in range(len(rows))] == features
    n = len(rows)
    i, j = (a.ravel() for a in np.triu_indices(n, 1))
    expected = engine.Frequencies.of(features)
    got = batch.score_pairs(coded, i, j)
    want = [engine.score(features[a], features[b], expected) for a, b in zip(i, j, strict=True)]
    assert got.tolist() == want
    # Both directions: the scalar score is not symmetric in its penalties.
    back = batch.score_pairs(coded, j, i)
    assert back.tolist() == [
        engine.score(features[b], features[a], expected) for a, b in zip(i, j, strict=True)
    ]
    conflicts = batch.score_pairs(coded, i, j, names=engine.CONFLICT_NAME_WEIGHTS)
    assert conflicts.tolist() == [
        engine.conflict_score(features[a], features[b], expected) for a, b in zip(i, j, strict=True)
    ]
    lazy = coded.frequencies()
    assert [engine.score(features[a], features[b], lazy) for a, b in zip(i, j, strict=True)] == want
    assert set(batch.candidate_pairs(coded).tolist()) == engine.candidate_pairs(features)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 60))
def test_batch_scores_equal_the_scalar_score(seed: int, n: int) -> None:
    _compare(_rows(seed, n))


def test_common_names_and_blocks_above_the_caps() -> None:
    rows = [[f"r{k}", "Aung Kyaw", "", "", "1990", "", "", "MMR013042"] for k in range(70)]
    rows += [[f"s{k}", "Zin", "", "", "", "", "09 7123 4567", ""] for k in range(9)]
    _compare(rows)
    coded = batch.code_rows(rows, this_year=2026)
    assert len(batch.candidate_pairs(coded)) == len(
        engine.candidate_pairs([features_from_fields(*row, this_year=2026) for row in rows])
    )


def test_no_rows_and_hostile_cells() -> None:
    assert len(batch.candidate_pairs(batch.code_rows([], this_year=2026))) == 0
    rows = [["a", "\x00" * 300, "\u1039\u1039", "🙂", "9" * 40, "/" * 50, "+" * 30, "\ufeff"]] * 3
    _compare(rows)


@pytest.mark.parametrize("columns", [[], [["a"]] * 7, [["a"]] * 7 + [["a", "b"]]])
def test_columns_must_be_eight_of_one_length(columns: list[list[str]]) -> None:
    with pytest.raises(ValueError, match="eight columns"):
        batch.code_columns(columns, this_year=2026)


@given(st.lists(st.integers(-(2**62), 2**62), max_size=50))
def test_sorted_unique_is_numpy_unique(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    assert batch.sorted_unique(array).tolist() == np.unique(array).tolist()
