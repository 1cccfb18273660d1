"""`CompactIndex`: the `ScreeningIndex` of a million people in a few hundred
megabytes, written to and read from disk as a handful of flat arrays.

`ScreeningIndex` keeps a `PersonRecord`, a `Features` and a dozen block
list entries per person as Python objects: about 4 KiB a person, 4 GiB at
1,000,000 people, and a snapshot of it is millions of objects to unpickle.
This index answers the same searches with the same scores from:

* two byte buffers, one record and one features entry per person, each
  entry found through an array of end offsets (a person's `Features` is
  decoded only when a search meets it, and kept in a small cache);
* the blocks as CSR postings: sorted 64-bit block keys, their start
  offsets, and the member positions (int32), with the blocks of people
  added since the last `compact` in two flat arrays beside them;
* the frequency counts (`Frequencies`) as sorted 64-bit hashes of their
  keys with counts, plus a dict of changes since the last `compact`;
* ids found through their sorted 64-bit hashes (the id itself is checked).

Block keys and hashes are `stable_hash`es (BLAKE2b), not Python's `hash`,
which differs between processes: an index read back from disk by another
process finds the same blocks. Positions are never reused: a replaced or
discarded person's slot stays, retired, as in `ScreeningIndex` (whose
block sizes count retired members too: the caps behave the same).

Scoring and explanations are the engine's own (`score`, `explain`) on the
decoded `Features`; `tests/test_compact.py` checks that both indexes give
the same candidates, scores and reasons.
"""

from __future__ import annotations

import hashlib
import struct
from array import array
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from safepassage.screening.dates import PartialDate
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
from safepassage.screening.explain import explain
from safepassage.screening.index import Candidate
from safepassage.screening.records import (
    Features,
    PersonRecord,
    features_from_record,
    key_caches_clear,
)

#: Slack between a bound and a score summed in another order (as `index`).
_ROUNDING = 1e-9
#: Block entries added one by one before they are merged into the postings
#: (a search scans them linearly: about 0.1 ms per 100,000).
COMPACT_AFTER = 200_000
#: A bulk build empties the key caches every this many people and after
#: it (they would hold every name read: about 0.5 GB at a million people).
CLEAR_CACHES_AFTER = 50_000
#: Decoded `Features` kept for people met in searches.
FEATURES_CACHE = 100_000
_LENGTH = struct.Struct("<I")
_FIELD, _ITEM = "\x1f", "\x1e"


def _digest(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def stable_hash(value: tuple[Any, ...]) -> int:
    """A 64-bit hash of a tuple of strings and integers, the same in every
    process (a block key)."""
    return _digest(repr(value).encode("utf-8", "surrogatepass"))


def text_hash(text: str) -> int:
    """A 64-bit hash of a string, the same in every process."""
    return _digest(text.encode("utf-8", "surrogatepass"))


# ------------------------------------------------------------ encodings ----


def encode_record(record: PersonRecord) -> bytes:
    """A record as length-prefixed UTF-8 strings (any character allowed)."""
    fields = (
        record.id,
        record.name,
        record.name_my,
        record.father_name,
        record.date_of_birth,
        record.nrc,
        record.phone,
        record.township,
        str(len(record.aliases)),
        *record.aliases,
        *record.other_phones,
    )
    out = bytearray()
    for text in fields:
        data = text.encode("utf-8", "surrogatepass")
        out += _LENGTH.pack(len(data))
        out += data
    return bytes(out)


def decode_record(data: bytes | bytearray) -> PersonRecord:
    fields: list[str] = []
    at, end = 0, len(data)
    while at < end:
        (n,) = _LENGTH.unpack_from(data, at)
        at += _LENGTH.size
        fields.append(data[at : at + n].decode("utf-8", "surrogatepass"))
        at += n
    id, name, name_my, father_name, date_of_birth, nrc, phone, township = fields[:8]
    aliases = int(fields[8])
    return PersonRecord(
        id=id,
        name=name,
        name_my=name_my,
        father_name=father_name,
        date_of_birth=date_of_birth,
        nrc=nrc,
        phone=phone,
        township=township,
        aliases=tuple(fields[9 : 9 + aliases]),
        other_phones=tuple(fields[9 + aliases :]),
    )


def _clean(text: str) -> str:
    # Keys are letters, digits, spaces and slashes: never a separator.
    if _FIELD in text or _ITEM in text:
        return text.replace(_FIELD, "").replace(_ITEM, "")
    return text


def encode_features(f: Features) -> bytes:
    """`Features` as separated fields, the id (any text) first."""
    dob = f"{f.dob.year}.{f.dob.month}.{f.dob.day}" if f.dob is not None else ""
    rest = (
        _ITEM.join(map(_clean, f.names)),
        str(f.aliases),
        _clean(f.father),
        dob,
        _clean(f.nrc),
        _clean(f.nrc_number),
        _clean(f.phone),
        _ITEM.join(map(_clean, f.other_phones)),
        _clean(f.township),
        _ITEM.join(map(_clean, f.warnings)),
    )
    return _FIELD.join((f.id, *rest)).encode("utf-8", "surrogatepass")


def decode_features(data: bytes | bytearray) -> Features:
    parts = data.decode("utf-8", "surrogatepass").rsplit(_FIELD, 10)
    id, names, aliases, father, dob, nrc, nrc_number, phone, others, township, warnings = parts
    date = None
    if dob:
        year, month, day = dob.split(".")
        date = PartialDate(int(year), int(month), int(day))
    return Features(
        id=id,
        names=tuple(names.split(_ITEM)) if names else (),
        father=father,
        dob=date,
        nrc=nrc,
        nrc_number=nrc_number,
        phone=phone,
        township=township,
        warnings=tuple(warnings.split(_ITEM)) if warnings else (),
        other_phones=tuple(others.split(_ITEM)) if others else (),
        aliases=int(aliases),
    )


# --------------------------------------------------------------- counts ----


def _view(values: array[Any], dtype: Any) -> NDArray[Any]:
    """A numpy copy of a growable array (a view would pin its buffer)."""
    if not len(values):
        return np.empty(0, dtype)
    return np.frombuffer(values, dtype).copy()


class Counts:
    """How many records hold each key (a name, name|place, ...): the dict
    `Frequencies` holds, as sorted 64-bit key hashes and their counts, plus
    the changes since the last `merge`. Read with `get`, as a dict."""

    def __init__(self) -> None:
        self.keys: NDArray[np.uint64] = np.empty(0, np.uint64)
        self.counts: NDArray[np.int32] = np.empty(0, np.int32)
        self.changes: dict[int, int] = {}
        #: hashes counted once each during a bulk load
        self.added = array("Q")

    def get(self, key: str, default: int = 1) -> int:
        h = text_hash(key)
        change = self.changes.get(h)
        keys = self.keys
        j = int(keys.searchsorted(np.uint64(h)))
        if j < len(keys) and int(keys[j]) == h:
            return int(self.counts[j]) + (change or 0)
        return default if change is None else change

    def add(self, key: str, by: int, *, bulk: bool = False) -> None:
        h = text_hash(key)
        if bulk and by == 1:
            self.added.append(h)
        else:
            self.changes[h] = self.changes.get(h, 0) + by

    def __bool__(self) -> bool:
        return bool(len(self.keys) or self.changes or len(self.added))

    def merge(self) -> None:
        """Fold the changes into the sorted arrays."""
        if not self.changes and not len(self.added):
            return
        keys = [self.keys]
        counts = [self.counts.astype(np.int64)]
        if len(self.added):
            unique, times = np.unique(_view(self.added, np.uint64), return_counts=True)
            keys.append(unique)
            counts.append(times.astype(np.int64))
            self.added = array("Q")
        if self.changes:
            n = len(self.changes)
            keys.append(np.fromiter(self.changes.keys(), np.uint64, n))
            counts.append(np.fromiter(self.changes.values(), np.int64, n))
            self.changes = {}
        all_keys, all_counts = np.concatenate(keys), np.concatenate(counts)
        order = np.argsort(all_keys, kind="stable")
        all_keys, all_counts = all_keys[order], all_counts[order]
        starts = _run_starts(all_keys)
        self.keys = all_keys[starts[:-1]]
        self.counts = (
            np.add.reduceat(all_counts, starts[:-1]).astype(np.int32)
            if len(all_keys)
            else np.empty(0, np.int32)
        )

    def arrays(self, prefix: str) -> dict[str, NDArray[Any]]:
        self.merge()
        return {f"{prefix}_keys": self.keys, f"{prefix}_counts": self.counts}

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]], prefix: str) -> Counts:
        counts = cls()
        counts.keys = _typed(arrays[f"{prefix}_keys"], np.uint64)
        counts.counts = _typed(arrays[f"{prefix}_counts"], np.int32)
        if len(counts.keys) != len(counts.counts) or not _sorted(counts.keys):
            raise ValueError("counts do not agree")
        return counts


def _run_starts(sorted_keys: NDArray[Any]) -> NDArray[np.int64]:
    """Where each run of equal keys starts, and the length at the end."""
    n = len(sorted_keys)
    if not n:
        return np.zeros(1, np.int64)
    inner = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    return np.concatenate(([0], inner, [n])).astype(np.int64)


def _typed(values: NDArray[Any], dtype: Any) -> NDArray[Any]:
    if values.dtype != np.dtype(dtype) or values.ndim != 1:
        raise ValueError("an array of another type")
    return values


def _sorted(values: NDArray[Any]) -> bool:
    return bool(len(values) < 2 or np.all(values[1:] >= values[:-1]))


# ---------------------------------------------------------------- index ----


class CompactIndex:
    """`ScreeningIndex`'s interface and answers, in flat arrays (see the
    module docstring). Not thread-safe for writes; `search` only reads
    (but fills a cache: one searching thread, as the server has)."""

    def __init__(self, records: Iterable[PersonRecord] = (), *, this_year: int) -> None:
        self.this_year = this_year
        self._records = bytearray()
        self._record_ends = array("q")
        self._features = bytearray()
        self._feature_ends = array("q")
        self._id_hashes = array("Q")
        self._retired = bytearray()
        self._live = 0
        # The blocks: CSR postings, and the entries added since `compact`.
        self._block_keys: NDArray[np.uint64] = np.empty(0, np.uint64)
        self._block_starts: NDArray[np.int64] = np.zeros(1, np.int64)
        self._block_members: NDArray[np.int32] = np.empty(0, np.int32)
        self._new_keys = array("Q")
        self._new_members = array("i")
        # Ids: sorted hashes of the live ones, and those added since.
        self._id_sorted: NDArray[np.uint64] = np.empty(0, np.uint64)
        self._id_positions: NDArray[np.int32] = np.empty(0, np.int32)
        self._new_ids: dict[str, int] = {}
        self.names, self.fathers, self.places, self.with_father = (Counts() for _ in range(4))
        #: What `score` and `explain` read: `Counts` answer `get` as dicts do.
        self.freq = Frequencies(
            cast(dict[str, int], self.names),
            cast(dict[str, int], self.fathers),
            cast(dict[str, int], self.places),
            cast(dict[str, int], self.with_father),
        )
        self._bulk = False
        self._cache: dict[int, Features] = {}
        with self.bulk():
            for record in records:
                self.add(record)

    # ------------------------------------------------------------ writes --

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Add many records fast (the first build): blocks and counts go to
        flat arrays and are merged once at the end; a record whose id was
        added earlier in the same bulk replaces it then. No search meanwhile."""
        self._bulk = True
        before = len(self._record_ends)
        try:
            yield
        finally:
            self._bulk = False
            self.compact()
            if len(self._record_ends) - before >= CLEAR_CACHES_AFTER:
                key_caches_clear()

    def add(self, record: PersonRecord) -> None:
        """Index `record`; a record with the same id replaces the earlier one."""
        bulk = self._bulk
        if not bulk:
            self.discard(record.id)
        i = len(self._record_ends)
        f = features_from_record(record, this_year=self.this_year)
        self._records += encode_record(record)
        self._record_ends.append(len(self._records))
        self._features += encode_features(f)
        self._feature_ends.append(len(self._features))
        self._id_hashes.append(text_hash(record.id))
        self._retired.append(0)
        self._live += 1
        if not bulk:
            self._new_ids[record.id] = i
        elif (i + 1) % CLEAR_CACHES_AFTER == 0:
            key_caches_clear()  # bounds the build's peak, not only what stays
        self._count(f, 1)
        for _rule, key in block_keys(f, stable_hash):
            self._new_keys.append(key)
            self._new_members.append(i)
        if not bulk and len(self._new_keys) > COMPACT_AFTER:
            self.compact()

    def discard(self, id: str) -> None:
        """Forget the record with this id (its slot stays, never returned)."""
        i = self._position(id)
        if i is not None:
            self._retire(i)

    def _retire(self, i: int) -> None:
        self._retired[i] = 1
        self._live -= 1
        self._count(self._feature(i), -1)

    def _count(self, f: Features, by: int) -> None:
        """`Frequencies.count`, into the `Counts`."""
        bulk = self._bulk
        for name in f.names:
            self.names.add(name, by, bulk=bulk)
            if f.township:
                self.places.add(name + "|" + f.township, by, bulk=bulk)
            if f.father:
                self.with_father.add(name + "|" + f.father, by, bulk=bulk)
        if f.father:
            self.fathers.add(f.father, by, bulk=bulk)

    def compact(self) -> None:
        """Merge what was added since into the sorted arrays."""
        if len(self._new_keys):
            new_keys = _view(self._new_keys, np.uint64)
            new_members = _view(self._new_members, np.int32)
            self._new_keys, self._new_members = array("Q"), array("i")
            keys = np.concatenate(
                (np.repeat(self._block_keys, np.diff(self._block_starts)), new_keys)
            )
            del new_keys
            members = np.concatenate((self._block_members, new_members))
            del new_members
            order = np.argsort(keys, kind="stable")
            keys = keys[order]
            members = members[order]
            del order
            starts = _run_starts(keys)
            self._block_keys = keys[starts[:-1]]
            del keys
            self._block_starts, self._block_members = starts, members
        for counts in (self.names, self.fathers, self.places, self.with_father):
            counts.merge()
        self._index_ids()

    def _index_ids(self) -> None:
        retired = np.frombuffer(self._retired, np.uint8) if self._retired else np.empty(0, np.uint8)
        positions = np.flatnonzero(retired == 0).astype(np.int32)
        del retired
        hashes = _view(self._id_hashes, np.uint64)[positions]
        order = np.argsort(hashes, kind="stable")
        self._id_sorted, self._id_positions = hashes[order], positions[order]
        self._new_ids = {}
        # Equal hashes: the same id added twice in a bulk (the last one
        # stays), or, once in 2**64, two ids.
        for j in np.flatnonzero(self._id_sorted[1:] == self._id_sorted[:-1]):
            same = [k for k in self._equal_hash_run(int(j)) if not self._retired[k]]
            last: dict[str, int] = {}
            for k in sorted(same):
                last[self._id(k)] = k
            for k in same:
                if last[self._id(k)] != k:
                    self._retire(k)

    def _equal_hash_run(self, j: int) -> list[int]:
        ids, h = self._id_sorted, self._id_sorted[j]
        start = int(ids.searchsorted(h, "left"))
        end = int(ids.searchsorted(h, "right"))
        return [int(k) for k in self._id_positions[start:end]]

    # ------------------------------------------------------------- reads --

    def __len__(self) -> int:
        return self._live

    def _position(self, id: str) -> int | None:
        i = self._new_ids.get(id)
        if i is not None:
            return None if self._retired[i] else i
        h = text_hash(id)
        ids = self._id_sorted
        j = int(ids.searchsorted(np.uint64(h)))
        while j < len(ids) and int(ids[j]) == h:
            k = int(self._id_positions[j])
            if not self._retired[k] and self._id(k) == id:
                return k
            j += 1
        return None

    def _id(self, i: int) -> str:
        start = self._record_ends[i - 1] if i else 0
        (n,) = _LENGTH.unpack_from(self._records, start)
        at = start + _LENGTH.size
        return self._records[at : at + n].decode("utf-8", "surrogatepass")

    def _record(self, i: int) -> PersonRecord:
        start = self._record_ends[i - 1] if i else 0
        return decode_record(self._records[start : self._record_ends[i]])

    def _feature(self, i: int) -> Features:
        f = self._cache.get(i)
        if f is None:
            start = self._feature_ends[i - 1] if i else 0
            f = decode_features(self._features[start : self._feature_ends[i]])
            if len(self._cache) >= FEATURES_CACHE:
                self._cache.clear()
            self._cache[i] = f
        return f

    def _members(self, key: int) -> list[int]:
        """Positions in the block `key` (retired ones too, as `ScreeningIndex`)."""
        keys = self._block_keys
        j = int(keys.searchsorted(np.uint64(key)))
        found: list[int] = []
        if j < len(keys) and int(keys[j]) == key:
            start, end = self._block_starts[j], self._block_starts[j + 1]
            found = self._block_members[start:end].tolist()
        if len(self._new_keys):
            hits = np.flatnonzero(np.frombuffer(self._new_keys, np.uint64) == np.uint64(key))
            if len(hits):
                found.extend(np.frombuffer(self._new_members, np.int32)[hits].tolist())
        return found

    @property
    def positions(self) -> dict[str, int]:
        """id -> position of every live record (decodes every id: for tests
        and tools, as `ScreeningIndex.positions`)."""
        return {self._id(i): i for i in range(len(self._retired)) if not self._retired[i]}

    @property
    def records(self) -> list[PersonRecord]:
        """Every record by position, retired ones too (decodes all: for tests
        and tools, as `ScreeningIndex.records`)."""
        return [self._record(i) for i in range(len(self._record_ends))]

    def record(self, id: str) -> PersonRecord | None:
        """The indexed record with this id, or None."""
        i = self._position(id)
        return None if i is None else self._record(i)

    def compare(self, record: PersonRecord, id: str) -> Candidate | None:
        """As `ScreeningIndex.compare`."""
        i = self._position(id)
        if i is None:
            return None
        query = features_from_record(record, this_year=self.this_year)
        return self._candidate(query, record, i, score(query, self._feature(i), self.freq))

    def _candidate(self, query: Features, record: PersonRecord, i: int, s: float) -> Candidate:
        found = self._feature(i)
        reasons = explain(query, found, record, self._record(i), self.freq)
        return Candidate(found.id, round(s, 2), tuple(reasons))

    def search(
        self, record: PersonRecord, *, limit: int = 10, min_score: float = REVIEW_THRESHOLD
    ) -> list[Candidate]:
        """The best candidates for `record`, highest score first (the same
        walk as `ScreeningIndex.search`)."""
        query = features_from_record(record, this_year=self.this_year)
        seen: set[int] = set()
        named: set[int] = set()  # met in a block of the name (and father)
        for rule, key in block_keys(query, stable_hash):
            members = self._members(key)
            if not members:
                continue
            if rule in NAME_RULES:
                if rule != 7 or len(members) <= MAX_NAME_BLOCK:
                    named.update(members)
                continue
            if rule >= 9 and len(members) > MAX_FATHER_SEARCH:
                continue
            seen.update(members)
        retired = self._retired
        named -= seen
        freq = self.freq
        scored = []
        for i in seen:
            if retired[i]:
                continue
            s = score(query, self._feature(i), freq)
            if s >= min_score:
                scored.append((s, i))
        if named:
            ceilings = NameCeilings.of(query, freq)
            floor = min_score - _ROUNDING
            for i in named:
                if retired[i]:
                    continue
                found = self._feature(i)
                if name_block_bound(query, found, ceilings) < floor:
                    continue
                s = score(query, found, freq)
                if s >= min_score:
                    scored.append((s, i))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [self._candidate(query, record, i, s) for s, i in scored[:limit]]

    # ----------------------------------------------------------- on disk --

    def arrays(self) -> dict[str, NDArray[Any]]:
        """Everything the index holds, as flat arrays (after `compact`)."""
        self.compact()
        out: dict[str, NDArray[Any]] = {
            "records": _bytes_view(self._records),
            "record_ends": _view(self._record_ends, np.int64),
            "features": _bytes_view(self._features),
            "feature_ends": _view(self._feature_ends, np.int64),
            "id_hashes": _view(self._id_hashes, np.uint64),
            "retired": _bytes_view(self._retired),
            "block_keys": self._block_keys,
            "block_starts": self._block_starts,
            "block_members": self._block_members,
        }
        for prefix, counts in self._counts().items():
            out.update(counts.arrays(prefix))
        return out

    def _counts(self) -> dict[str, Counts]:
        return {
            "names": self.names,
            "fathers": self.fathers,
            "places": self.places,
            "with_father": self.with_father,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]], *, this_year: int) -> CompactIndex:
        """The index `arrays` describes; ValueError when they disagree."""
        index = cls(this_year=this_year)
        index._records = bytearray(_typed(arrays["records"], np.uint8))
        index._features = bytearray(_typed(arrays["features"], np.uint8))
        index._retired = bytearray(_typed(arrays["retired"], np.uint8))
        for name, target, dtype in (
            ("record_ends", index._record_ends, np.int64),
            ("feature_ends", index._feature_ends, np.int64),
            ("id_hashes", index._id_hashes, np.uint64),
        ):
            target.frombytes(_typed(arrays[name], dtype).data.cast("B"))
        n = len(index._record_ends)
        ends_ok = all(
            len(ends) == n
            and (not n or ends[-1] == len(buffer))
            and _sorted(np.frombuffer(ends, np.int64) if n else np.empty(0, np.int64))
            for ends, buffer in (
                (index._record_ends, index._records),
                (index._feature_ends, index._features),
            )
        )
        keys = _typed(arrays["block_keys"], np.uint64)
        starts = _typed(arrays["block_starts"], np.int64)
        members = _typed(arrays["block_members"], np.int32)
        if (
            not ends_ok
            or len(index._id_hashes) != n
            or len(index._retired) != n
            or len(starts) != len(keys) + 1
            or starts[0] != 0
            or starts[-1] != len(members)
            or not _sorted(starts)
            or not _sorted(keys)
            or (len(members) and (members.min() < 0 or members.max() >= n))
        ):
            raise ValueError("the arrays do not agree")
        index._block_keys, index._block_starts, index._block_members = keys, starts, members
        for prefix, counts in index._counts().items():
            loaded = Counts.from_arrays(arrays, prefix)
            counts.keys, counts.counts = loaded.keys, loaded.counts
        index._live = n - int(np.count_nonzero(np.frombuffer(index._retired, np.uint8))) if n else 0
        index._index_ids()
        return index


def _bytes_view(buffer: bytearray) -> NDArray[np.uint8]:
    return np.frombuffer(bytes(buffer), np.uint8) if buffer else np.empty(0, np.uint8)


# --------------------------------------------------------------- stamps ----

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // _MICRO


class Stamps(MutableMapping[int, datetime]):
    """int -> aware datetime (a case id -> the updated_at read), as two
    sorted int64 arrays plus the changes since `merge`: a dict of a million
    datetimes costs 150 MB, these 16 bytes an entry."""

    def __init__(self, items: Iterable[tuple[int, datetime]] = ()) -> None:
        self.ids: NDArray[np.int64] = np.empty(0, np.int64)
        self.micros: NDArray[np.int64] = np.empty(0, np.int64)
        self.new: dict[int, datetime] = dict(items)
        self.gone: set[int] = set()

    def _base(self, key: int) -> int | None:
        ids = self.ids
        j = int(ids.searchsorted(key))
        if j < len(ids) and int(ids[j]) == key and key not in self.gone:
            return j
        return None

    def __getitem__(self, key: int) -> datetime:
        found = self.new.get(key)
        if found is not None:
            return found
        j = self._base(key)
        if j is None:
            raise KeyError(key)
        return _EPOCH + timedelta(microseconds=int(self.micros[j]))

    def __setitem__(self, key: int, value: datetime) -> None:
        self.new[key] = value

    def __delitem__(self, key: int) -> None:
        in_base = self._base(key) is not None
        if self.new.pop(key, None) is None and not in_base:
            raise KeyError(key)
        if in_base:
            self.gone.add(key)

    def __iter__(self) -> Iterator[int]:
        new, gone = self.new, self.gone
        for key in self.ids.tolist():
            if key not in new and key not in gone:
                yield key
        yield from new

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def merge(self) -> None:
        if not self.new and not self.gone:
            return
        keep = np.ones(len(self.ids), bool)
        if self.gone or self.new:
            dropped = np.fromiter((*self.gone, *self.new), np.int64)
            keep &= ~np.isin(self.ids, dropped)
        n = len(self.new)
        ids = np.concatenate((self.ids[keep], np.fromiter(self.new.keys(), np.int64, n)))
        micros = np.concatenate(
            (self.micros[keep], np.fromiter(map(_micros, self.new.values()), np.int64, n))
        )
        order = np.argsort(ids, kind="stable")
        self.ids, self.micros = ids[order], micros[order]
        self.new, self.gone = {}, set()

    def arrays(self, prefix: str) -> dict[str, NDArray[Any]]:
        self.merge()
        return {f"{prefix}_ids": self.ids, f"{prefix}_micros": self.micros}

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]], prefix: str) -> Stamps:
        stamps = cls()
        stamps.ids = _typed(arrays[f"{prefix}_ids"], np.int64)
        stamps.micros = _typed(arrays[f"{prefix}_micros"], np.int64)
        if len(stamps.ids) != len(stamps.micros) or not (
            len(stamps.ids) < 2 or np.all(stamps.ids[1:] > stamps.ids[:-1])
        ):
            raise ValueError("stamps do not agree")
        return stamps
