"""`CompactIndex` answers as `ScreeningIndex` does (candidates, scores,
reasons), on generated people, through bulk builds, one-by-one adds,
replacements, discards and a round trip through its arrays; its encodings
take any text; arrays that disagree are refused."""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from bench.screening.generate import generate
from safepassage.screening import compact
from safepassage.screening.compact import (
    CompactIndex,
    Stamps,
    decode_features,
    decode_record,
    encode_features,
    encode_record,
    stable_hash,
)
from safepassage.screening.index import ScreeningIndex
from safepassage.screening.records import PersonRecord, features_from_record

YEAR = 2026


@pytest.fixture(scope="module")
def people(tmp_path_factory) -> list[PersonRecord]:
    out = tmp_path_factory.mktemp("people")
    generate(2500, 11, out)
    with (out / "people.csv").open(encoding="utf-8", newline="") as fh:
        return [PersonRecord(**row) for row in csv.DictReader(fh)]


def _answers(index, queries) -> list:
    return [index.search(q) for q in queries]


def test_the_compact_index_gives_the_same_candidates_scores_and_reasons(people):
    queries = random.Random(3).sample(people, 150)
    old = ScreeningIndex(people, this_year=YEAR)
    new = CompactIndex(people, this_year=YEAR)
    found = _answers(new, queries)
    assert found == _answers(old, queries)
    assert sum(len(f) for f in found) > 150  # the queries meet their registrations
    assert len(new) == len(old)
    for q in queries[:20]:
        assert new.record(q.id) == old.record(q.id)
        assert new.compare(q, queries[0].id) == old.compare(q, queries[0].id)
    assert new.record("nobody") is None
    assert new.compare(queries[0], "nobody") is None


def test_adds_replacements_and_discards_one_by_one_agree(people, monkeypatch):
    # Merged into the postings every 500 entries: both the scan of recent
    # entries and the merged arrays are searched.
    monkeypatch.setattr(compact, "COMPACT_AFTER", 500)
    rng = random.Random(5)
    first, rest = people[:1500], people[1500:]
    old = ScreeningIndex(first, this_year=YEAR)
    new = CompactIndex(first, this_year=YEAR)
    for record in rest[:400]:
        old.add(record)
        new.add(record)
    for record in rng.sample(first, 100):  # edited: replaced under the same id
        edited = PersonRecord(**{**_fields(record), "phone": "", "township": ""})
        old.add(edited)
        new.add(edited)
    for record in rng.sample(people[:1900], 60):
        old.discard(record.id)
        new.discard(record.id)
    new.discard("nobody")
    assert len(new) == len(old)
    queries = rng.sample(people[:1900], 120)
    assert _answers(new, queries) == _answers(old, queries)
    for q in queries:
        assert new.record(q.id) == old.record(q.id)


def test_an_id_added_twice_in_one_bulk_keeps_the_last(people):
    a, b = people[0], PersonRecord(**{**_fields(people[1]), "id": people[0].id})
    old = ScreeningIndex([a, b], this_year=YEAR)
    new = CompactIndex([a, b], this_year=YEAR)
    assert len(new) == 1
    assert new.record(a.id) == b
    assert _answers(new, [a, b]) == _answers(old, [a, b])
    assert new.freq.names.get(features_from_record(a, this_year=YEAR).names[0], 0) == (
        old.freq.names.get(features_from_record(a, this_year=YEAR).names[0], 0)
    )


def test_read_back_from_its_arrays_it_answers_the_same(people):
    index = CompactIndex(people[:2000], this_year=YEAR)
    index.add(people[2000])
    index.discard(people[3].id)
    arrays = {name: a.copy() for name, a in index.arrays().items()}
    again = CompactIndex.from_arrays(arrays, this_year=YEAR)
    queries = random.Random(8).sample(people[:2001], 60)
    assert _answers(again, queries) == _answers(index, queries)
    assert len(again) == len(index) == 2000
    assert again.record(people[3].id) is None


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("block_members", lambda a: a + 10**6),  # a member past the end
        ("block_keys", lambda a: a[::-1].copy()),  # not sorted
        ("record_ends", lambda a: a[:-1].copy()),  # one person short
        ("feature_ends", lambda a: a - 1),  # past its buffer
        ("retired", lambda a: a.astype(np.int64)),  # another type
        ("names_keys", lambda a: a[:-1].copy()),  # counts without keys
    ],
)
def test_arrays_that_do_not_agree_are_refused(people, name, change):
    arrays = CompactIndex(people[:300], this_year=YEAR).arrays()
    arrays[name] = change(arrays[name])
    with pytest.raises(ValueError):
        CompactIndex.from_arrays(arrays, this_year=YEAR)


HOSTILE = ["", "\x1f", "\x1e\x1f\x1e", "a\x00b", "\ud800", "ကျော်\x1fဇင်", "x" * 5000]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_record_of_any_text_comes_back_whole(text):
    record = PersonRecord(
        id=text or "1",
        name=text,
        name_my=text,
        father_name=text,
        nrc=text,
        aliases=(text, "Ko Ko"),
        other_phones=(text,),
    )
    assert decode_record(encode_record(record)) == record
    f = features_from_record(record, this_year=YEAR)
    assert decode_features(encode_features(f)) == f
    index = CompactIndex([record], this_year=YEAR)
    assert index.record(record.id) == record


def test_block_keys_are_the_same_in_every_process():
    # Python's hash of a string differs between processes; a snapshot
    # read by another process must meet the same blocks.
    key = ("nd", "kyaw zin", (1990, 3, 5))
    code = f"from safepassage.screening.compact import stable_hash as h; print(h({key!r}))"
    for seed in ("1", "2"):
        out = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(out.stdout) == stable_hash(key)
    assert stable_hash(key) != stable_hash(("nd", "kyaw zin ", (1990, 3, 5)))


def test_stamps_behave_as_a_dict():
    t = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    stamps = Stamps({1: t, 5: t + dt.timedelta(seconds=1)})
    stamps.merge()
    assert stamps[1] == t
    assert stamps.get(2) is None
    stamps[2] = t
    del stamps[5]
    assert sorted(stamps) == [1, 2]
    assert 5 not in stamps
    with pytest.raises(KeyError):
        del stamps[5]
    again = Stamps.from_arrays(stamps.arrays("s"), "s")
    assert dict(again) == {1: t, 2: t}
    bad = stamps.arrays("s")
    bad["s_ids"] = bad["s_ids"][::-1].copy()
    with pytest.raises(ValueError):
        Stamps.from_arrays(bad, "s")


def _fields(record: PersonRecord) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}
