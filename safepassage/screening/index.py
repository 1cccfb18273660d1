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
    MAX_NAME_BLOCK,
    REVIEW_THRESHOLD,
    Frequencies,
    block_keys,
    score,
)
from safepassage.screening.explain import Reason, explain, explanation_text
from safepassage.screening.records import Features, PersonRecord, features_from_record


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

    Built once from plain `PersonRecord`s (the product decrypts its cases
    into records; the index never sees the database). Not thread-safe for
    `add`; `search` only reads.
    """

    def __init__(self, records: Iterable[PersonRecord], *, this_year: int) -> None:
        self.this_year = this_year
        self.records: list[PersonRecord] = []
        self.features: list[Features] = []
        self.blocks: dict[int, list[int]] = {}
        self.freq = Frequencies({}, {}, {})
        for record in records:
            self.add(record)

    def add(self, record: PersonRecord) -> None:
        i = len(self.features)
        f = features_from_record(record, this_year=self.this_year)
        self.records.append(record)
        self.features.append(f)
        self.freq.count(f)
        for _rule, key in block_keys(f):
            self.blocks.setdefault(key, []).append(i)

    def __len__(self) -> int:
        return len(self.features)

    def search(
        self, record: PersonRecord, *, limit: int = 10, min_score: float = REVIEW_THRESHOLD
    ) -> list[Candidate]:
        """The best candidates for `record`, highest score first."""
        query = features_from_record(record, this_year=self.this_year)
        seen: set[int] = set()
        for rule, key in block_keys(query):
            members = self.blocks.get(key)
            if not members:
                continue
            if rule == 7 and len(members) > MAX_NAME_BLOCK:
                continue
            seen.update(members)
        scored = []
        for i in seen:
            s = score(query, self.features[i], self.freq)
            if s >= min_score:
                scored.append((s, i))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [
            Candidate(
                self.features[i].id,
                round(s, 2),
                tuple(explain(query, self.features[i], record, self.records[i], self.freq)),
            )
            for s, i in scored[:limit]
        ]
