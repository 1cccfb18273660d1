"""Pair scores, explanations, namesakes, and the screening index."""

from __future__ import annotations

import itertools
import random

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.screening.engine import (
    MATCH_THRESHOLD,
    NAME_RULES,
    Frequencies,
    NameCeilings,
    block_keys,
    name_block_bound,
    score,
)
from safepassage.screening.explain import explain, explanation_text
from safepassage.screening.index import ScreeningIndex
from safepassage.screening.records import PersonRecord, features_from_record
from safepassage.screening.tests.test_batch import NAMES, _rows

ALIAS_NAMES = [" ".join(pair) for pair in itertools.pairwise(NAMES)]

YEAR = 2026


def f(record: PersonRecord):
    return features_from_record(record, this_year=YEAR)


def test_same_nrc_and_name_variant_is_a_match_explained() -> None:
    a = PersonRecord("a", name="Ko Kyaw Zin", date_of_birth="1995", nrc="12/MaYaKa(N)123456")
    b = PersonRecord("b", name="Kyao Zin", date_of_birth="03/04/1995", nrc="၁၂/မရက(နိုင်)၁၂၃၄၅၆")
    assert score(f(a), f(b)) >= MATCH_THRESHOLD
    with translation.override("en"):
        text = explanation_text(explain(f(a), f(b), a, b))
    assert text == "same NRC; name variant Kyaw ↔ Kyao; birth year matches"


def test_namesakes_in_one_township_with_different_fathers_stay_apart() -> None:
    a = PersonRecord(
        "a", name="Aung Kyaw", father_name="U Tin", date_of_birth="1990", township="MMR013042"
    )
    b = PersonRecord(
        "b", name="Aung Kyaw", father_name="U Ba", date_of_birth="1990", township="MMR013042"
    )
    assert score(f(a), f(b)) < MATCH_THRESHOLD


def test_a_shared_name_and_township_alone_is_not_a_match() -> None:
    a = PersonRecord("a", name="Aung Kyaw", township="Mayangone")
    b = PersonRecord("b", name_my="အောင်ကျော်", township="MMR013042")
    assert score(f(a), f(b)) < MATCH_THRESHOLD


def test_namesakes_with_different_birth_dates_stay_apart() -> None:
    a = PersonRecord("a", name="Thet Hein", date_of_birth="12-05-1990", township="MMR013042")
    b = PersonRecord("b", name="Thet Hein", date_of_birth="02-11-1984", township="MMR013042")
    assert score(f(a), f(b)) < 0


def test_different_nrc_outweighs_a_shared_name_and_date() -> None:
    a = PersonRecord("a", name="Su Su", date_of_birth="1990-05-12", nrc="12/MaYaKa(N)123456")
    b = PersonRecord("b", name="Su Su", date_of_birth="1990-05-12", nrc="12/MaYaKa(N)654321")
    assert score(f(a), f(b)) < MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("born", "again", "reason"),
    [
        ("03/04/1999", "04/03/1999", "date of birth with day and month swapped"),
        ("1999-04-03", "1999-04-08", "dates of birth one digit apart"),
    ],
)
def test_a_swapped_or_mistyped_birth_date_with_a_father_is_a_match(
    born: str, again: str, reason: str
) -> None:
    a = PersonRecord("a", name="Min Thu", father_name="U Hla", date_of_birth=born)
    b = PersonRecord("b", name="မင်းသူ", father_name="ဦးလှ", date_of_birth=again)
    assert score(f(a), f(b)) >= MATCH_THRESHOLD
    with translation.override("en"):
        texts = [r.text for r in explain(f(a), f(b))]
    assert reason in texts


def test_a_name_and_a_mistyped_birth_date_alone_are_no_match() -> None:
    c = PersonRecord("c", name="Min Thu", date_of_birth="1999-04-08", township="MMR013042")
    d = PersonRecord("d", name="Min Thu", date_of_birth="1999-04-03", township="MMR013042")
    assert score(f(c), f(d)) < MATCH_THRESHOLD


def test_shared_phone_with_a_changed_name_spelling() -> None:
    a = PersonRecord("a", name="Pyae Phyo", phone="09 797 123456")
    b = PersonRecord("b", name="Pyay Pyo", phone="+959797123456")
    assert score(f(a), f(b)) >= MATCH_THRESHOLD


def test_index_finds_the_person_first_and_explains() -> None:
    people = [
        PersonRecord("p1", name="Aung Kyaw", father_name="U Tin", date_of_birth="1990-01-02"),
        PersonRecord("p2", name="Aung Kyaw", father_name="U Ba", date_of_birth="1971-08-09"),
        PersonRecord("p3", name="Zeyar Htet San", nrc="12/MaYaKa(N)123456"),
        PersonRecord("p4", name="Khin Nwe", phone="09 797 123456"),
    ]
    index = ScreeningIndex(people, this_year=YEAR)
    found = index.search(PersonRecord("q", name="ZeyaHtetSan", nrc="၁၂/မရက(နိုင်)၁၂၃၄၅၆"), limit=3)
    assert [c.id for c in found][:1] == ["p3"]
    with translation.override("en"):
        assert "same NRC" in found[0].explanation
    found = index.search(
        PersonRecord("q", name="Mg Aung Kyao", father_name="Tin", date_of_birth="2-1-1990")
    )
    assert [c.id for c in found] == ["p1"]


def test_index_search_on_an_empty_record_finds_nothing() -> None:
    index = ScreeningIndex([PersonRecord("p1", name="Aung")], this_year=YEAR)
    assert index.search(PersonRecord("q")) == []


def test_a_common_name_weighs_less_than_a_rare_one() -> None:
    a = PersonRecord("a", name="Aung Kyaw", date_of_birth="1990", township="MMR013042")
    b = PersonRecord("b", name="Aung Kyaw", date_of_birth="1990", township="MMR013042")
    rare = Frequencies({"aung kyaw": 2}, {}, {"aung kyaw|MMR013042": 2})
    common = Frequencies({"aung kyaw": 5000}, {}, {"aung kyaw|MMR013042": 60})
    assert score(f(a), f(b), common) < score(f(a), f(b)) < score(f(a), f(b), rare)
    assert score(f(a), f(b), common) < MATCH_THRESHOLD
    weights = {r.field: r.weight for r in explain(f(a), f(b), freq=common)}
    assert weights["name"] < 3.0


def test_a_name_only_two_records_hold_in_their_township_weighs_more() -> None:
    def pair_score(name: str, in_place: int) -> float:
        a = PersonRecord("a", name=name, township="MMR013042")
        key = " ".join(f(a).names)
        freq = Frequencies({key: in_place}, {}, {f"{key}|MMR013042": in_place})
        return score(f(a), f(PersonRecord("b", name=name, township="MMR013042")), freq)

    assert pair_score("Zeyar Htet San", 2) == MATCH_THRESHOLD  # name, place, rarity
    assert pair_score("Zeyar Htet San", 3) == MATCH_THRESHOLD - 0.5
    assert pair_score("Aung", 2) == pair_score("Aung", 3)  # one syllable: no bonus


def test_index_replaces_a_record_of_the_same_id_and_forgets_a_discarded_one() -> None:
    index = ScreeningIndex(
        [PersonRecord("1", name="Kyaw Zin Htet", nrc="12/LAMANA(N)123456")], this_year=YEAR
    )
    query = PersonRecord("q", name="Kyaw Zin Htet", nrc="12/LAMANA(N)123456")
    assert [c.id for c in index.search(query)] == ["1"]
    index.add(PersonRecord("1", name="Aung Min Thu", nrc="5/MAYANA(N)654321"))
    assert len(index) == 1
    assert index.search(query) == []
    assert [c.id for c in index.search(PersonRecord("q", nrc="5/MAYANA(N)654321"))] == ["1"]
    index.discard("1")
    assert len(index) == 0
    assert index.search(PersonRecord("q", nrc="5/MAYANA(N)654321")) == []
    assert not any(index.freq.names.values())


def test_a_rare_name_and_father_together_outweigh_each_being_common() -> None:
    a = PersonRecord("a", name="Aung Kyaw", father_name="U Tin Aung", township="MMR013042")
    b = PersonRecord("b", name="Aung Kyaw", father_name="U Tin Aung", township="MMR013042")
    names, fathers = {"aung kyaw": 5000}, {"tin aung": 40000}
    places = {"aung kyaw|MMR013042": 60}
    together = Frequencies(names, fathers, places, {"aung kyaw|tin aung": 2})
    often = Frequencies(names, fathers, places, {"aung kyaw|tin aung": 400})
    assert score(f(a), f(b), often) < MATCH_THRESHOLD <= score(f(a), f(b), together)
    weights = {r.field: r.weight for r in explain(f(a), f(b), freq=together)}
    assert weights["father_name"] == 2.5  # no frequency penalty
    # Without the same name, a common father's name alone stays weak.
    c = PersonRecord("c", name="Zin Min", father_name="U Tin Aung", township="MMR013042")
    assert {r.field: r.weight for r in explain(f(a), f(c), freq=together)}["father_name"] < 1.0


def test_an_alias_is_found_and_compared_as_a_name() -> None:
    known = PersonRecord(
        "k", name="Kyaw Zin Htet", aliases=("Bo Moe Aung", ""), date_of_birth="1990-05-12"
    )
    index = ScreeningIndex([known, PersonRecord("other", name="Bo Moe Aung")], this_year=YEAR)
    query = PersonRecord("q", name="Bo Moe Aung", date_of_birth="12/05/1990")
    found = {c.id: c for c in index.search(query)}
    assert "k" in found
    assert (
        found["k"].score
        >= MATCH_THRESHOLD
        > score(f(query), f(PersonRecord("x", name="Bo Moe Aung")))
    )
    assert f(known).names == ("kyaw zin tet", "po mo aung")
    with translation.override("en"):
        assert found["k"].explanation == "same date of birth; same name under an alias"
        assert "same name under an alias" not in found["other"].explanation


def test_the_father_s_reason_is_the_father_s_whatever_the_names() -> None:
    a = PersonRecord("a", name="Aung Naing", father_name="U Kyaw Zin")
    b = PersonRecord("b", name="Thura Khant", father_name="U Kyao Zin")
    c = PersonRecord("c", name="Soe Moe", father_name="U Kyaw Zin")
    with translation.override("en"):
        assert {r.field: r.text for r in explain(f(a), f(b), a, b)}["father_name"] == (
            "father's name variant Kyaw ↔ Kyao"
        )
        assert {r.field: r.text for r in explain(f(a), f(c))}["father_name"] == (
            "same father's name"
        )


def test_any_shared_phone_counts_and_blocks() -> None:
    a = PersonRecord("a", name="Aung Kyaw", phone="09 7123 4567", other_phones=("09 7999 0000",))
    b = PersonRecord("b", name="Aung Kyaw", phone="+95 9 7999 0000")
    c = PersonRecord("c", name="Aung Kyaw", phone="09 7555 1111")
    assert score(f(a), f(b)) == score(f(b), f(a)) > score(f(a), f(c))
    assert {r.field: r.weight for r in explain(f(a), f(b))}["phone"] == 5.0
    index = ScreeningIndex([a], this_year=YEAR)
    # Found through its second phone's block alone.
    assert [x.id for x in index.search(PersonRecord("q", phone="0979990000"))] == ["a"]
    # A first phone left empty takes the next one; duplicates and junk are dropped.
    only = f(PersonRecord("o", other_phones=("09 7999 0000", "0979990000", "x")))
    assert (only.phone, only.other_phones) == ("979990000", ())


def test_compare_scores_and_explains_one_indexed_record() -> None:
    index = ScreeningIndex(
        [PersonRecord("1", name="Kyaw Zin Htet", nrc="12/LAMANA(N)123456"), PersonRecord("2")],
        this_year=YEAR,
    )
    query = PersonRecord("q", name="Kyaw Zin Htett", nrc="12/LAMANA(N)123456")
    (best,) = index.search(query)
    assert index.compare(query, "1") == best
    assert index.compare(query, "2").score == 0.0
    assert index.compare(query, "nope") is None


def test_an_alias_is_blocked_on_only_with_a_father_a_date_or_a_place() -> None:
    from safepassage.screening.engine import block_keys

    plain = f(PersonRecord("p", name="Kyaw Zin", father_name="U Ba", date_of_birth="1990-05-12"))
    aliased = f(
        PersonRecord(
            "a",
            name="Kyaw Zin",
            aliases=("Kyar",),
            father_name="U Ba",
            date_of_birth="1990-05-12",
            township="MMR013042",
        )
    )
    rules = [rule for rule, _key in block_keys(aliased)]
    by_name = len([r for r, _ in block_keys(plain) if r in (2, 3, 5, 7)])
    assert rules.count(5) == rules.count(7) == 1  # the name's, not the alias's
    assert rules.count(2) == rules.count(3) == rules.count(6) == 2
    assert by_name == 4


def test_a_mistyped_name_is_found_through_its_date_and_township() -> None:
    earlier = PersonRecord(
        "p1", name="Phyo Hswe Thiri", date_of_birth="18-03-2010", township="MMR010029"
    )
    index = ScreeningIndex([earlier], this_year=YEAR)
    query = PersonRecord("q", name="Pyyo Hswe Thiri", date_of_birth="2010-03-18", township="မလှိုင်")
    assert f(query).names != f(earlier).names  # no name block holds both
    (found,) = index.search(query)
    assert found.id == "p1"
    assert found.score >= MATCH_THRESHOLD


def test_a_mistyped_name_is_found_through_its_father_and_township_or_birth_year() -> None:
    from safepassage.screening import batch
    from safepassage.screening.engine import MAX_FATHER_BLOCK, MAX_FATHER_SEARCH

    earlier = PersonRecord(
        "p1", name="Kay Myat Thidar", father_name="U Lin Htet Tin", township="MMR010029"
    )
    query = PersonRecord(
        "q", name="Ma Kay Nyat Thidar", father_name="Lin Htet Tinn", township="MMR010029"
    )
    assert f(query).names != f(earlier).names  # no name block holds both
    (found,) = ScreeningIndex([earlier], this_year=YEAR).search(query)
    assert found.id == "p1"
    assert found.score >= MATCH_THRESHOLD
    by_year = PersonRecord(
        "p2", name="Kay Myat Thidar", father_name="U Lin Htet Tin", date_of_birth="2001"
    )
    asked = PersonRecord(
        "q2", name="Kay Nyat Thidar", father_name="U Lin Htet Tin", date_of_birth="3/4/2001"
    )
    assert [c.id for c in ScreeningIndex([by_year], this_year=YEAR).search(asked)] == ["p2"]

    # A common father's name in the township is no block: in batch above
    # MAX_FATHER_BLOCK records, when screening one person above MAX_FATHER_SEARCH.
    syllables = ("Aung", "Kyaw", "Min", "Thu", "Zaw", "Naing", "Soe", "Hla", "Myo", "Wai")

    def namesakes(count: int) -> list[list[str]]:
        """Sons of one father (each name distinct), in one township."""
        names = (" ".join(syllables[k // 10**p % 10] for p in range(3)) for k in range(count))
        return [
            [f"r{k}", name, "", "U Lin Htet Tin", "", "", "", "MMR010029"]
            for k, name in enumerate(names)
        ]

    def pairs(rows: list[list[str]]) -> int:
        return len(batch.candidate_pairs(batch.code_rows(rows, this_year=YEAR)))

    assert pairs(namesakes(MAX_FATHER_BLOCK)) == MAX_FATHER_BLOCK * (MAX_FATHER_BLOCK - 1) // 2
    assert pairs(namesakes(MAX_FATHER_BLOCK + 1)) == 0
    many = [
        PersonRecord(r[0], name=r[1], father_name=r[3], township=r[7])
        for r in namesakes(MAX_FATHER_SEARCH + 1)
    ]
    # The block holds the earlier record and the namesakes: 100, then 102.
    assert ScreeningIndex([*many[:-2], earlier], this_year=YEAR).search(query)
    assert not ScreeningIndex([*many, earlier], this_year=YEAR).search(query)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 60))
def test_search_skips_only_what_could_not_reach_the_threshold(seed: int, n: int) -> None:
    rng = random.Random(seed)
    records = [
        # Some with an alias among the names of others: aliases enter the
        # name + father blocks, not the name + year ones.
        PersonRecord(*row, aliases=(rng.choice(ALIAS_NAMES),) if rng.random() < 0.3 else ())
        for row in _rows(seed, n)
    ]
    index = ScreeningIndex(records, this_year=YEAR)
    for query in records[:10]:
        a = f(query)
        blocks: dict[bool, set[int]] = {}
        for rule, key in block_keys(a):
            blocks.setdefault(rule in NAME_RULES, set()).update(index.blocks.get(key, ()))
        named, other = blocks.get(True, set()), blocks.get(False, set())
        if a.names:
            ceilings = NameCeilings.of(a, index.freq)
            for i in named - other:
                b = index.features[i]
                assert score(a, b, index.freq) <= name_block_bound(a, b, ceilings) + 1e-9
        # The search equals scoring every member of every block it scans.
        want = sorted(
            ((score(a, index.features[i], index.freq), i) for i in named | other),
            key=lambda t: (-t[0], t[1]),
        )
        want = [(round(s, 2), index.features[i].id) for s, i in want if s >= 3.0][:10]
        assert [(c.score, c.id) for c in index.search(query)] == want


def test_the_bound_holds_for_a_name_shared_through_an_alias_in_one_birth_year() -> None:
    # An alias enters the name + father blocks, not the name + year ones;
    # the father + year block is skipped when screening once it is large.
    # Then only a name + father block holds both, and the shared year is
    # not ruled out.
    a = f(
        PersonRecord(
            "a", name="Kyaw Zin", aliases=("Bo Bo",), father_name="U Ba", date_of_birth="1990"
        )
    )
    b = f(PersonRecord("b", name="Bo Bo", father_name="U Ba", date_of_birth="1990-05-12"))
    shared = {key for _rule, key in block_keys(a)} & {key for _rule, key in block_keys(b)}
    assert {rule for rule, key in block_keys(a) if key in shared} == {2, 10}
    freq = Frequencies.of([a, b])
    assert score(a, b, freq) <= name_block_bound(a, b, NameCeilings.of(a, freq))
