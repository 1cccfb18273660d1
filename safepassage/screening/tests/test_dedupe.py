"""Batch de-duplication: worker processes give the same answer as one."""

from __future__ import annotations

import random

import pytest

from safepassage.screening import batch, dedupe

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
    monkeypatch.setattr(batch, "PARALLEL_MIN_VALUES", 0)
    monkeypatch.setattr(batch, "CHUNK", 50)
    data = rows(400)
    one = dedupe.dedupe_rows(data, this_year=2026, workers=1)
    two = dedupe.dedupe_rows(data, this_year=2026, workers=2)
    assert one == two
