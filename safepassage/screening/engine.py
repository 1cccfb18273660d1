"""Pairwise scoring, explanations, blocking and the in-memory index.

The score of a pair is a sum of evidence weights, one per field, in the
spirit of Fellegi-Sunter: positive when the field agrees, negative when it
disagrees, zero when a side does not know. Weights are set by hand from
what each agreement means in Myanmar, then checked against the labelled
generator in ``bench/screening`` (docs/screening.md has the reasoning):

* a name, even spelt the same, is weak: a small stock of syllables and no
  surnames make namesakes common, so a shared name alone never reaches the
  match threshold, nor does a name with a township and a birth year;
* an NRC or a phone number shared is strong; NRCs that differ are strong
  evidence against (one card per person), phones that differ are not
  (phones change);
* dates of birth agree exactly, with day and month swapped, or partly.

`MATCH_THRESHOLD` decides a duplicate; `REVIEW_THRESHOLD` lists a candidate
for a screening officer to look at. The reasons behind a score are in
`explain.py`; the index that screens one person is in `index.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from itertools import combinations
from typing import Any

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from safepassage.screening.dates import DateMatch, PartialDate, compare_dates
from safepassage.screening.keys import coarse_text
from safepassage.screening.records import Features

MATCH_THRESHOLD = 4.0
REVIEW_THRESHOLD = 3.0
#: Two clusters are not merged when any pair across them scores below this
#: (its `conflict_score`).
CONFLICT_THRESHOLD = -1.0

#: Blocks larger than this are not paired out in batch de-duplication.
MAX_BLOCK = 60
#: Name-only blocks: paired out in batch only when this small (a rare
#: name); scanned when screening one person up to `MAX_NAME_BLOCK`.
MAX_NAME_ONLY_BATCH = 8
MAX_NAME_BLOCK = 3000
#: Father + township and father + birth year blocks (rules 9 and 10): paired
#: out in batch only when this small (a rare father's name there), scanned
#: when screening one person up to `MAX_FATHER_SEARCH`.
MAX_FATHER_BLOCK = 8
MAX_FATHER_SEARCH = 100

NAME_HIGH = 88.0
NAME_MID = 75.0


class Level(IntEnum):
    MISSING = 0
    DIFFERENT = 1
    MID = 2
    HIGH = 3
    SAME = 4


# Weights: field -> level -> evidence.
NAME_WEIGHTS = {Level.SAME: 3.0, Level.HIGH: 2.0, Level.MID: 0.0, Level.DIFFERENT: -4.0}
#: The names' weights in a `conflict_score`: a name that differs counts
#: nothing there.
CONFLICT_NAME_WEIGHTS = {**NAME_WEIGHTS, Level.DIFFERENT: 0.0}
FATHER_WEIGHTS = {Level.SAME: 2.5, Level.HIGH: 1.5, Level.MID: -0.5, Level.DIFFERENT: -2.5}
DATE_WEIGHTS = {
    DateMatch.EXACT: 4.0,
    DateMatch.SWAPPED: 3.0,
    DateMatch.YEAR_MONTH: 1.5,
    DateMatch.YEAR: 1.0,
    DateMatch.YEAR_NEAR_DAY: 3.0,
    DateMatch.YEAR_NEAR: -1.5,
    DateMatch.SLIP: -0.5,
    DateMatch.DIFFERENT: -4.5,
}
#: Same year and month but both days known and different: a typo or not.
DATE_DAY_DIFFERS = -1.0
NRC_SAME = 7.0
NRC_SAME_NUMBER = 4.5  # same state and number, township read differently
NRC_NEAR = 3.0  # same state and township, one digit differs
NRC_DIFFERENT = -6.0
PHONE_SAME = 5.0
PHONE_DIFFERENT = 0.0
TOWNSHIP_SAME = 0.5
TOWNSHIP_DIFFERENT = -0.5


def _name_level(a: Sequence[str], b: Sequence[str]) -> tuple[Level, float]:
    if not a or not b:
        return Level.MISSING, 0.0
    best = 0.0
    for x in a:
        for y in b:
            if x == y:
                return Level.SAME, 100.0
            r = ratio(x, y)
            if r > best:
                best = r
            if len(x) == len(y) and sorted(x.split()) == sorted(y.split()):
                best = max(best, NAME_HIGH)  # syllables in another order
    if best >= NAME_HIGH:
        return Level.HIGH, best
    coarse = {coarse_text(x) for x in a}
    if any(coarse_text(y) in coarse for y in b):
        return Level.HIGH, NAME_HIGH
    if best >= NAME_MID:
        return Level.MID, best
    return Level.DIFFERENT, best


def _date_weight(a: PartialDate | None, b: PartialDate | None) -> tuple[float, DateMatch | None]:
    if a is None or b is None:
        return 0.0, None
    match = compare_dates(a, b)
    if match == DateMatch.YEAR_MONTH and a.full and b.full:
        return DATE_DAY_DIFFERS, match
    return DATE_WEIGHTS[match], match


def _nrc_weight(a: Features, b: Features) -> float:
    if a.nrc and b.nrc:
        if a.nrc == b.nrc:
            return NRC_SAME
        if a.nrc_number == b.nrc_number:
            return NRC_SAME_NUMBER
        if a.nrc[:-6] == b.nrc[:-6] and Levenshtein.distance(a.nrc[-6:], b.nrc[-6:]) <= 1:
            return NRC_NEAR
        return NRC_DIFFERENT
    if a.nrc_number and b.nrc_number:
        if a.nrc_number == b.nrc_number:
            return NRC_SAME_NUMBER
        return NRC_DIFFERENT / 2
    return 0.0


#: A name of one syllable is shared by many more people: less evidence.
SHORT_NAME_PENALTY = 0.5


#: A shared name held by more records than this weighs less (term
#: frequency): in a large list, a common name and a birth year are met by
#: several people.
COMMON_NAME_COUNT = 32
MAX_FREQUENCY_PENALTY = 2.0


@dataclass(slots=True)
class Frequencies:
    """How many records hold each name key and each father's name key."""

    names: dict[str, int]
    fathers: dict[str, int]
    #: name key + "|" + township place code -> records.
    places: dict[str, int] = field(default_factory=dict)
    #: name key + "|" + father's name key -> records.
    with_father: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, features: Iterable[Features]) -> Frequencies:
        freq = cls({}, {}, {}, {})
        for f in features:
            freq.count(f)
        return freq

    def count(self, f: Features, by: int = 1) -> None:
        """Count `f`'s names (`by=-1` takes a replaced record back out)."""
        names, places, with_father = self.names, self.places, self.with_father
        for name in f.names:
            names[name] = names.get(name, 0) + by
            if f.township:
                key = name + "|" + f.township
                places[key] = places.get(key, 0) + by
            if f.father:
                key = name + "|" + f.father
                with_father[key] = with_father.get(key, 0) + by
        if f.father:
            self.fathers[f.father] = self.fathers.get(f.father, 0) + by


def frequency_penalty(count: int) -> float:
    """0 up to `COMMON_NAME_COUNT` records, then half a point per doubling."""
    if count <= COMMON_NAME_COUNT:
        return 0.0
    return min(MAX_FREQUENCY_PENALTY, 0.5 * math.log2(count / COMMON_NAME_COUNT))


#: Within one township, a name held by more records than this weighs less.
COMMON_IN_PLACE = 8
LOCAL_FREQUENCY = True


def local_frequency_penalty(count: int) -> float:
    if count <= COMMON_IN_PLACE:
        return 0.0
    return min(MAX_FREQUENCY_PENALTY, 0.75 * math.log2(count / COMMON_IN_PLACE))


#: A name of two syllables or more held by at most this many records in the
#: township (the pair included) weighs `RARE_IN_PLACE_BONUS` more.
RARE_IN_PLACE = 2
RARE_IN_PLACE_BONUS = 0.5


def place_name_penalty(count: int) -> float:
    """What a shared name of several syllables loses (or gains, when
    negative) for being held by `count` records in the pair's township."""
    if count <= RARE_IN_PLACE:
        return -RARE_IN_PLACE_BONUS
    return local_frequency_penalty(count)


def _name_weight(
    a: Sequence[str],
    b: Sequence[str],
    weights: dict[Level, float],
    counts: dict[str, int] | None,
    places: dict[str, int] | None = None,
    place: str = "",
) -> float:
    level, _r = _name_level(a, b)
    if not level:
        return 0.0
    weight = weights[level]
    if level == Level.SAME:
        shared = next(x for x in a if x in b)
        if " " not in shared:  # the shared name (or alias) is one syllable
            weight -= SHORT_NAME_PENALTY
        if counts is not None:
            if place and places is not None and LOCAL_FREQUENCY:
                # Both in one township: what matters is how many there
                # share the name, not how common it is in the country.
                count = places.get(shared + "|" + place, 1)
                weight -= (
                    local_frequency_penalty(count)
                    if " " not in shared
                    else place_name_penalty(count)
                )
            else:
                weight -= frequency_penalty(counts.get(shared, 1))
    return weight


def father_weight(a: Features, b: Features, freq: Frequencies | None) -> float:
    """The father's-name term of `score` (both sides know a father).

    When the names are the same too, what a shared father's name is worth
    depends on how many records hold *this name with this father* (the
    penalty of a name within one township, `local_frequency_penalty`), not
    on how common the father's name is in the country: two namesakes
    rarely share a father, so the pair (name, father) is strong evidence
    even when each half is common. Otherwise the father's name counts alone.
    """
    if freq is not None and a.father == b.father and freq.with_father:
        shared = next((x for x in a.names if x in b.names), None)
        if shared is not None:
            count = freq.with_father.get(shared + "|" + a.father, 1)
            same = _name_weight((a.father,), (b.father,), FATHER_WEIGHTS, None)
            return same - local_frequency_penalty(count)
    return _name_weight((a.father,), (b.father,), FATHER_WEIGHTS, freq.fathers if freq else None)


def score(
    a: Features,
    b: Features,
    freq: Frequencies | None = None,
    *,
    names: dict[Level, float] = NAME_WEIGHTS,
) -> float:
    """The evidence that `a` and `b` are one person (hot path: no strings).

    With `freq`, a shared common name or father's name weighs less.
    """
    total = 0.0
    if a.names and b.names:
        if freq is None:
            total += _name_weight(a.names, b.names, names, None)
        else:
            place = a.township if a.township == b.township else ""
            total += _name_weight(a.names, b.names, names, freq.names, freq.places, place)
    if a.father and b.father:
        total += father_weight(a, b, freq)
    total += _date_weight(a.dob, b.dob)[0]
    total += _nrc_weight(a, b)
    if a.phone and b.phone:
        total += PHONE_SAME if phones_shared(a, b) else PHONE_DIFFERENT
    if a.township and b.township:
        total += TOWNSHIP_SAME if a.township == b.township else TOWNSHIP_DIFFERENT
    return total


def conflict_score(a: Features, b: Features, freq: Frequencies | None = None) -> float:
    """`score` without the weight of a name that differs: what clustering
    asks of two records it would put in one cluster through others.

    Below `CONFLICT_THRESHOLD` is evidence that they are two people: a
    different NRC, full date of birth or father's name. A name typed too
    differently to compare is not: one person's records joined through a
    third often carry such names, while namesakes, whom chaining would
    join, share their name anyway.
    """
    return score(a, b, freq, names=CONFLICT_NAME_WEIGHTS)


def phones_shared(a: Features, b: Features) -> bool:
    """Whether any phone of `a` is a phone of `b` (both know one)."""
    if a.phone == b.phone:
        return True
    if not a.other_phones and not b.other_phones:
        return False
    return not {a.phone, *a.other_phones}.isdisjoint((b.phone, *b.other_phones))


# ----------------------------------------------------------- blocking ----


def block_keys(
    f: Features, key: Callable[[tuple[Any, ...]], int] = hash
) -> Iterator[tuple[int, int]]:
    """(rule, `key` of a tuple) of every block `f` belongs to (`key` is
    Python's `hash`, which differs between processes, unless a caller that
    keeps blocks across processes gives a stable one: `compact.stable_hash`).

    Rules: 0 NRC number, 1 phone, 2 name + father, 3 name + date (day and
    month sorted, so swaps meet), 4 father + date, 5 name + birth year,
    6 name + township, 7 name alone, 8 date + township (a name mistyped:
    its key differs, the rest agrees), 9 father + township, 10 father +
    birth year (the same, with a father's name); an alias enters 2, 3 and
    6 only. Batch de-duplication skips every block larger than `MAX_BLOCK`
    (a common name in a birth year), `MAX_NAME_ONLY_BATCH` for a name alone
    and `MAX_FATHER_BLOCK` for rules 9 and 10; screening one person caps
    name-alone blocks at `MAX_NAME_BLOCK` and rules 9 and 10 at
    `MAX_FATHER_SEARCH`.
    """
    if f.nrc_number:
        yield 0, key(("n", f.nrc_number))
    if f.phone:
        yield 1, key(("p", f.phone))
    for phone in f.other_phones:
        yield 1, key(("p", phone))
    dob = f.dob
    dm: tuple[int, int, int] | None = None
    if dob is not None and dob.full:
        dm = (dob.year, min(dob.day, dob.month), max(dob.day, dob.month))
    for k, name in enumerate(f.names):
        if f.father:
            yield 2, key(("nf", name, f.father))
        if dm is not None:
            yield 3, key(("nd", name, dm))
        if f.township:
            yield 6, key(("nt", name, f.township))
        if k >= len(f.names) - f.aliases:
            # An alias (often one syllable, a nickname held by thousands)
            # enters only the blocks narrowed by a father, a date or a place.
            continue
        if dob is not None:
            yield 5, key(("ny", name, dob.year))
        yield 7, key(("nm", name))
    if f.father and dm is not None:
        yield 4, key(("fd", f.father, dm))
    if f.township and dm is not None:
        yield 8, key(("dt", dm, f.township))
    if f.father:
        # The name mistyped or respelt past its key, the father's name not.
        if f.township:
            yield 9, key(("ft", f.father, f.township))
        if dob is not None:
            yield 10, key(("fy", f.father, dob.year))


#: The blocks of a shared name alone or a shared name and father's name:
#: screening one person bounds the score of the members it meets only
#: there before scoring them (`name_block_bound`).
NAME_RULES = frozenset({2, 7})


@dataclass(frozen=True, slots=True)
class NameCeilings:
    """Per screened person `a`: the most its name and father's name terms
    can be against someone met only in its `NAME_RULES` blocks."""

    name: float
    father: float

    @classmethod
    def of(cls, a: Features, freq: Frequencies) -> NameCeilings:
        name = max(
            NAME_WEIGHTS[Level.SAME]
            - (SHORT_NAME_PENALTY if " " not in x else 0.0)
            - frequency_penalty(freq.names.get(x, 1))
            for x in a.names
        )
        father = 0.0
        if a.father:
            father = FATHER_WEIGHTS[Level.SAME] - (
                SHORT_NAME_PENALTY if " " not in a.father else 0.0
            )
            if freq.with_father:
                father -= min(
                    local_frequency_penalty(freq.with_father.get(x + "|" + a.father, 1))
                    for x in a.names
                )
        return cls(name, father)


def name_block_bound(a: Features, b: Features, ceilings: NameCeilings) -> float:
    """An upper bound of `score(a, b, freq)` when `b` shares no block with
    `a` but the `NAME_RULES` ones, `ceilings` being
    `NameCeilings.of(a, freq)`; cheap, so that screening one person scores
    only those members of a common name's blocks that could reach the
    review threshold.

    The date and NRC terms are exact; the rest is bounded by what sharing
    no other block means (`block_keys`): the townships are not the same
    (−0.5 when both are known), the phones are not the same (0), the
    father's name if not the same is at most similar, and the names are
    the same with no place weight (the ceilings).
    """
    bound = ceilings.name
    if a.father and b.father:
        bound += ceilings.father if a.father == b.father else FATHER_WEIGHTS[Level.HIGH]
    bound += _date_weight(a.dob, b.dob)[0]
    bound += _nrc_weight(a, b)
    if a.township and b.township:
        bound += TOWNSHIP_DIFFERENT
    return bound


def candidate_pairs(features: Sequence[Features], max_block: int = MAX_BLOCK) -> set[int]:
    """Pairs ``i * n + j`` (i < j) sharing a block no larger than `max_block`."""
    n = len(features)
    blocks: dict[int, list[int]] = {}
    name_only: dict[int, list[int]] = {}
    by_father: dict[int, list[int]] = {}
    for i, f in enumerate(features):
        for rule, key in block_keys(f):
            table = name_only if rule == 7 else by_father if rule >= 9 else blocks
            table.setdefault(key, []).append(i)
    pairs: set[int] = set()
    for cap, table in (
        (max_block, blocks),
        (MAX_NAME_ONLY_BATCH, name_only),
        (MAX_FATHER_BLOCK, by_father),
    ):
        _pair_out(table, cap, n, pairs)
    return pairs


def _pair_out(blocks: dict[int, list[int]], cap: int, n: int, pairs: set[int]) -> None:
    for members in blocks.values():
        size = len(members)
        if size < 2 or size > cap:
            continue
        if size == 2:
            i, j = members
            pairs.add(i * n + j)
            continue
        # Members are appended in index order: i < j within a block.
        pairs.update(i * n + j for i, j in combinations(members, 2))
