"""Batch de-duplication: the scalar definition's clusters; workers change nothing."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.screening import batch, dedupe, engine
from safepassage.screening.cluster import cluster_pairs
from safepassage.screening.records import PersonRecord, features_from_fields
from safepassage.screening.tests.test_batch import _rows

SYLLABLES = ["Aung", "Kyaw", "Zin", "Htet", "Min", "Thu", "Hein", "Lin", "Moe", "Soe", "Win"]


def rows(n: int, seed: int = 3) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        person = rng.randrange(n // 2)
        prng = random.Random(person)
        name = " ".join(prng.sample(SYLLABLES, 2))
        dob = f"{prng.randint(1970, 2000)}-0{prng.randint(1, 9)}-1{prng.randint(0, 9)}"
        out.append([f"r{i}", name, "", "", dob, "", f"09 7{person:08d}", ""])
    return out


def test_every_row_gets_a_cluster_and_duplicates_meet() -> None:
    data = rows(200)
    result = dedupe.dedupe_rows(data, this_year=2026)
    assert len(result.clusters) == 200
    by_phone: dict[str, set[int]] = {}
    for row, label in zip(data, result.clusters, strict=True):
        by_phone.setdefault(row[6], set()).add(label)
    assert all(len(labels) == 1 for labels in by_phone.values())


@pytest.mark.slow
def test_workers_give_the_same_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(batch, "CHUNK", 50)
    data = rows(400)
    one = dedupe.dedupe_rows(data, this_year=2026, workers=1)
    two = dedupe.dedupe_rows(data, this_year=2026, workers=2)
    assert one == two


@pytest.mark.slow
def test_workers_read_every_kind_of_name_as_one_process_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Latin names put together from words read elsewhere, Burmese ones read
    by the workers, placeholders, a Burmese letter past the cut."""
    monkeypatch.setattr(batch, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(batch, "CHUNK", 40)
    data = _rows(5, 300)
    data[3][1], data[4][3], data[5][2] = "N/A", " - ", "မရှိ"
    data[6][1] = "Aung " * 30 + "ကျော်"  # past MAX_NAME_CHARS: Latin only
    data[7][1] = "Ko Kyaw ကျော်"  # both scripts in one cell
    one = batch.code_rows(data, this_year=2026, workers=1)
    two = batch.code_rows(data, this_year=2026, workers=2)
    assert one.texts == two.texts
    for column in ("name_a", "name_b", "father", "nrc", "phone", "township", "year"):
        assert np.array_equal(getattr(one, column), getattr(two, column)), column
    assert one.warnings == two.warnings
    assert one.texts[one.name_a[6]] == " ".join(["aung"] * 24)  # 120 characters
    assert dedupe.dedupe_rows(data, this_year=2026, workers=2) == dedupe.dedupe_rows(
        data, this_year=2026, workers=1
    )


@pytest.mark.slow
def test_workers_read_cells_holding_the_job_separator(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell with a NUL (the separator jobs are sent with) goes as a list."""
    monkeypatch.setattr(batch, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(batch, "CHUNK", 50)
    data = rows(120)
    data[7][1] = "Kyaw\x00Zin"
    data[9][5] = "12/MaYaKa(N)\x00123456"
    one = dedupe.dedupe_rows(data, this_year=2026, workers=1)
    two = dedupe.dedupe_rows(data, this_year=2026, workers=2)
    assert one == two
    coded = batch.code_rows(data, this_year=2026, workers=2)
    assert coded.texts[coded.name_a[7]] == "kyaw zin"


def _scalar_clusters(data: list[list[str]]) -> list[int]:
    """The definition: scalar features, blocks, scores and clustering."""
    features = [features_from_fields(*row, this_year=2026) for row in data]
    freq = engine.Frequencies.of(features)
    n = len(data)
    edges = []
    for code in engine.candidate_pairs(features):
        i, j = divmod(code, n)
        s = engine.score(features[i], features[j], freq)
        if s >= engine.MATCH_THRESHOLD:
            edges.append((s, i, j))
    return cluster_pairs(
        n, edges, lambda x, y: engine.conflict_score(features[x], features[y], freq)
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32))
def test_clusters_equal_the_scalar_definition(seed: int) -> None:
    # Few names and many shared fields: groups of several rows, conflicts.
    data = _rows(seed, 80)
    assert dedupe.dedupe_rows(data, this_year=2026).clusters == _scalar_clusters(data)


def test_match_groups_are_the_connected_components() -> None:
    first = np.array([0, 2, 3, 6], dtype=np.int64)
    second = np.array([5, 3, 4, 7], dtype=np.int64)
    labels = dedupe.match_groups(8, first, second)
    assert labels.tolist() == [0, 1, 2, 2, 2, 0, 6, 6]
    # A chain joined from its far end still gets one label.
    chain = dedupe.match_groups(6, np.arange(4, 0, -1), np.arange(5, 1, -1))
    assert chain.tolist() == [0, 1, 1, 1, 1, 1]
    assert dedupe.match_groups(3, np.empty(0, np.int64), np.empty(0, np.int64)).tolist() == [
        0,
        1,
        2,
    ]


def test_a_group_too_large_to_precompute_is_scored_one_pair_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _rows(5, 120)
    monkeypatch.setattr(dedupe, "MAX_GROUP", 2)
    assert dedupe.dedupe_rows(data, this_year=2026).clusters == _scalar_clusters(data)


def test_one_person_s_records_joined_through_a_third_despite_unlike_names() -> None:
    data = [
        ["a", "Sai Hom Kham", "", "", "", "", "09 420 000 111", ""],
        ["b", "Hom Kham", "", "", "1989-02-02", "13/KaLaNa(N)190950", "09420000111", ""],
        ["c", "Nang Seng", "", "", "2/2/1989", "13/KaLaNa(N)190950", "", ""],  # a typist's guess
        ["d", "Hom Kham", "", "", "1975-11-30", "13/KaLaNa(N)555555", "09420000111", ""],
    ]
    features = [features_from_fields(*row, this_year=2026) for row in data]
    assert engine.score(features[0], features[2]) < engine.CONFLICT_THRESHOLD
    assert engine.conflict_score(features[0], features[2]) == 0.0
    # a, b, c are one person; d shares the phone but has another NRC and date.
    assert dedupe.dedupe_rows(data, this_year=2026).clusters == [0, 0, 0, 3]


def _person(id: str, name: str, **fields: object) -> PersonRecord:
    base = {"date_of_birth": "1994", "township": "MMR013017"}
    return PersonRecord(id=id, name=name, **{**base, **fields})  # type: ignore[arg-type]


def test_records_meet_through_an_alias_or_a_further_phone() -> None:
    records = [
        _person("a", "Zaw Min Htet", phone="09420000111", aliases=("Thiha Soe",)),
        _person("b", "Thiha Soe", phone="09420000111"),
        _person("c", "Nyein Chan", phone="09420000222", other_phones=("09 420 000 333",)),
        _person("d", "Nyein Chan", phone="+959420000333", township="MMR010001"),
        _person("e", "Thiha Soe", phone="09420000999", date_of_birth="1960"),
    ]
    plain = dedupe.dedupe_rows(
        [(r.id, r.name, "", "", r.date_of_birth, "", r.phone, r.township) for r in records],
        this_year=2026,
    )
    assert len(set(plain.clusters)) == 5  # the columns alone join no one
    result = dedupe.dedupe_records(records, this_year=2026)
    assert result.clusters == [0, 0, 2, 2, 4]
    assert min(result.best_scores[:4]) >= engine.MATCH_THRESHOLD


def test_without_aliases_or_further_phones_no_index_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dedupe, "ScreeningIndex", None)  # would fail if called
    records = [_person("a", "Zaw Min Htet"), _person("b", "Zaw Min Htet")]
    assert len(dedupe.dedupe_records(records, this_year=2026).clusters) == 2
