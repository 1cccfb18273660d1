"""`ScreeningIndex`: screen one person against many, in memory.

Built from plain `PersonRecord`s (the product decrypts its cases into
records; the index never sees the database). Search scans the person's
blocks (name-alone blocks up to `MAX_NAME_BLOCK`), scores each member and
explains the best.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from safepassage.screening.engine import (
    MAX_FATHER_SEARCH,
    MAX_NAME_BLOCK,
    NAME_RULES,
    REVIEW_THRESHOLD,
    Frequencies,
    NameCeilings,
    block_keys,
    name_block_bound,
    score,
)
from safepassage.screening.explain import Reason, explain, explanation_text
from safepassage.screening.records import Features, PersonRecord, features_from_record

#: Slack between a bound and a score summed in another order.
_ROUNDING = 1e-9


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible match for a screened person, with its reasons."""

    id: str
    score: float
    reasons: tuple[Reason, ...]

    @property
    def explanation(self) -> str:
        return explanation_text(self.reasons)


class ScreeningIndex:
    """An in-memory index of people to screen newcomers against.

    Built from plain `PersonRecord`s (the product decrypts its cases into
    records; the index never sees the database) and kept current with
    `add` (which replaces a record of the same id) and `discard`. Not
    thread-safe for writes; `search` only reads.
    """

    def __init__(self, records: Iterable[PersonRecord], *, this_year: int) -> None:
        self.this_year = this_year
        self.records: list[PersonRecord] = []
        self.features: list[Features] = []
        self.blocks: dict[int, list[int]] = {}
        self.freq = Frequencies({}, {}, {}, {})
        #: id -> position of its live record; replaced positions are retired.
        self.positions: dict[str, int] = {}
        self.retired: set[int] = set()
        for record in records:
            self.add(record)

    def add(self, record: PersonRecord) -> None:
        """Index `record`; a record with the same id replaces the earlier one."""
        self.discard(record.id)
        i = len(self.features)
        f = features_from_record(record, this_year=self.this_year)
        self.records.append(record)
        self.features.append(f)
        self.positions[record.id] = i
        self.freq.count(f)
        for _rule, key in block_keys(f):
            self.blocks.setdefault(key, []).append(i)

    def discard(self, id: str) -> None:
        """Forget the record with this id (its slot stays, never returned)."""
        i = self.positions.pop(id, None)
        if i is not None:
            self.retired.add(i)
            self.freq.count(self.features[i], by=-1)

    def __len__(self) -> int:
        return len(self.positions)

    def record(self, id: str) -> PersonRecord | None:
        """The indexed record with this id, or None."""
        i = self.positions.get(id)
        return None if i is None else self.records[i]

    def compare(self, record: PersonRecord, id: str) -> Candidate | None:
        """`record` scored and explained against the indexed record `id`
        alone (None when `id` is not indexed): one pair, no search."""
        i = self.positions.get(id)
        if i is None:
            return None
        query = features_from_record(record, this_year=self.this_year)
        return self._candidate(query, record, i, score(query, self.features[i], self.freq))

    def _candidate(self, query: Features, record: PersonRecord, i: int, s: float) -> Candidate:
        found = self.features[i]
        reasons = explain(query, found, record, self.records[i], self.freq)
        return Candidate(found.id, round(s, 2), tuple(reasons))

    def search(
        self, record: PersonRecord, *, limit: int = 10, min_score: float = REVIEW_THRESHOLD
    ) -> list[Candidate]:
        """The best candidates for `record`, highest score first."""
        query = features_from_record(record, this_year=self.this_year)
        seen: set[int] = set()
        named: set[int] = set()  # met in a block of the name (and father)
        for rule, key in block_keys(query):
            members = self.blocks.get(key)
            if not members:
                continue
            if rule in NAME_RULES:
                if rule != 7 or len(members) <= MAX_NAME_BLOCK:
                    named.update(members)
                continue
            if rule >= 9 and len(members) > MAX_FATHER_SEARCH:
                continue
            seen.update(members)
        seen -= self.retired
        named -= seen
        named -= self.retired
        features, freq = self.features, self.freq
        scored = []
        for i in seen:
            s = score(query, features[i], freq)
            if s >= min_score:
                scored.append((s, i))
        if named:
            # Of a common name's blocks, most members share nothing else
            # and cannot reach `min_score`: skip those without scoring.
            ceilings = NameCeilings.of(query, freq)
            floor = min_score - _ROUNDING
            for i in named:
                found = features[i]
                if name_block_bound(query, found, ceilings) < floor:
                    continue
                s = score(query, found, freq)
                if s >= min_score:
                    scored.append((s, i))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [self._candidate(query, record, i, s) for s, i in scored[:limit]]
