"""Batch de-duplication over integer-coded columns (numpy).

`dedupe.dedupe_rows` runs on this module. Each distinct cell of a column
is read once, by the readers of records.py, into a key; rows become arrays
of small integers (an id per distinct key, -1 when unknown); blocks are
found by sorting those arrays, and every candidate pair is scored column
by column by `score_pairs`.

`engine.score` stays the one definition of a pair's score: `score_pairs`
reproduces it term by term, in the same order and with the same floating
point operations, so both give the same number for the same pair (tested
on generated lists, and property-tested). A change to a weight or a rule
in engine.py must be made here too; the equality tests fail until it is.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from safepassage.screening import engine
from safepassage.screening.dates import PartialDate
from safepassage.screening.keys import (
    MAX_NAME_CHARS,
    coarse_text,
    has_myanmar,
    key_text,
    latin_name_key,
    latin_word_keys,
    name_key,
)
from safepassage.screening.records import (
    Features,
    _date,
    nrc_keys,
    phone_key,
    placeholder,
    township_key,
)

#: Below this many rows, a worker process costs more than it saves.
PARALLEL_MIN_ROWS = 20_000
CHUNK = 10_000
#: Pairs scored at once (bounds the temporary arrays: ~100 bytes a pair).
SCORE_STEP = 1_000_000

I32 = np.int32
I64 = np.int64


# ------------------------------------------------------------ readers ----
# A job is sent its cells joined into one string: pickling a million small
# strings costs the sender more than a worker saves, and a worker reading
# them from memory inherited at fork copies every page it touches.

_SEP = "\x00"


def _pack(values: Sequence[str]) -> tuple[int, str | list[str]]:
    """`values` for a job: joined, unless a cell holds the separator."""
    joined = _SEP.join(values)
    return len(values), joined if joined.count(_SEP) == len(values) - 1 else list(values)


def _unpack(packed: tuple[int, str | list[str]]) -> list[str]:
    n, values = packed
    if isinstance(values, list):
        return values
    return values.split(_SEP) if n else []


def _read_name(text: str) -> str:
    # Each distinct text is read once here: the uncached functions spare
    # two caches of every name in the list.
    if not text or text.isspace() or placeholder(text):
        return ""
    return key_text(name_key.__wrapped__(text))


def _read_names(packed: tuple[int, str | list[str]]) -> list[str]:
    """`_read_name` of names `_sort_names` put among the Burmese ones: none
    is empty or a placeholder, so that is not asked again."""
    read = name_key.__wrapped__
    return [key_text(read(text)) for text in _unpack(packed)]


@dataclass(slots=True)
class _Column:
    """One of the other columns, coded whole by one job."""

    arrays: dict[str, np.ndarray]  # per row
    texts: dict[str, list[str]]  # per array, the texts of its ids
    codes: np.ndarray  # per row, the id of its distinct cell
    warnings: list[str]  # per distinct cell, a warning code or ""


def _code_date(values: Sequence[str], this_year: int) -> _Column:
    codes, distinct = _distinct(values)
    read = [_date.__wrapped__(v, this_year) for v in distinct]  # each once: no cache churn
    ymd = np.array(
        [(d.year, d.month, d.day) if d is not None else (0, 0, 0) for d, _ in read],
        dtype=np.int16,
    ).reshape(-1, 3)
    arrays = {part: ymd[codes, k] for k, part in enumerate(("year", "month", "day"))}
    return _Column(arrays, {}, codes, [w for _, w in read])


def _code_nrc(values: Sequence[str], this_year: int) -> _Column:
    codes, distinct = _distinct(values)
    read = [nrc_keys(v) if v else ("", "", "") for v in distinct]
    nrc_t, number_t, prefix_t = _Table(), _Table(), _Table()
    arrays = {
        "nrc": nrc_t.codes([r[0] for r in read])[codes],
        "nrc_number": number_t.codes([r[1] for r in read])[codes],
        "nrc_prefix": prefix_t.codes([r[0][:-6] for r in read])[codes],
        "nrc_digits": np.array([int(r[0][-6:]) if r[0] else 0 for r in read], dtype=I32)[codes],
    }
    texts = {"nrc": nrc_t.texts, "nrc_number": number_t.texts}
    return _Column(arrays, texts, codes, [r[2] for r in read])


def _code_keyed(values: Sequence[str], key: Callable[[str], tuple[str, str]], name: str) -> _Column:
    """A column read into one (key, warning) per cell."""
    codes, distinct = _distinct(values)
    read = [key(v) if v else ("", "") for v in distinct]
    table = _Table()
    coded = table.codes([r[0] for r in read])[codes]
    return _Column({name: coded}, {name: table.texts}, codes, [r[1] for r in read])


def _code_phone(values: Sequence[str], this_year: int) -> _Column:
    return _code_keyed(values, phone_key, "phone")


def _code_township(values: Sequence[str], this_year: int) -> _Column:
    return _code_keyed(values, township_key, "township")


#: The position of each of the other columns in a row, and its coder.
_COLUMN_CODERS: dict[int, Callable[[Sequence[str], int], _Column]] = {
    5: _code_nrc,
    6: _code_phone,
    4: _code_date,
    7: _code_township,
}


def _code_column(k: int, packed: tuple[int, str | list[str]], this_year: int) -> _Column:
    return _COLUMN_CODERS[k](_unpack(packed), this_year)


def _distinct_packed(packed: tuple[int, str | list[str]]) -> tuple[np.ndarray, list[str]]:
    return _distinct(_unpack(packed))


def _merge_names(parts: list[tuple[np.ndarray, list[str]]]) -> tuple[list[np.ndarray], list[str]]:
    """One table of the distinct strings of the name columns (each given as
    `_distinct` made it): (each column's ids in it, its strings)."""
    index: dict[str, int] = {}
    columns = []
    for codes, distinct in parts:
        ids = np.array([index.setdefault(v, len(index)) for v in distinct], dtype=I32)
        columns.append(ids[codes])
    return columns, list(index)


def _read_words(packed: tuple[int, str | list[str]]) -> list[tuple[str, ...]]:
    return [latin_word_keys(word) for word in _unpack(packed)]


def _sort_names(names: list[str]) -> tuple[list[int], list[int], list[str]]:
    """Positions of the Latin names (`latin_name_key` reads them), of the
    names in Burmese script, and the distinct words of the Latin ones;
    empty cells and placeholders are in neither (their key text is "")."""
    latin: list[int] = []
    burmese: list[int] = []
    for k, text in enumerate(names):
        if not text or text.isspace() or placeholder(text):
            continue
        (burmese if has_myanmar(text[:MAX_NAME_CHARS]) else latin).append(k)
    cut = (names[k][:MAX_NAME_CHARS] for k in latin)
    words = list(dict.fromkeys(itertools.chain.from_iterable(map(str.split, cut))))
    return latin, burmese, words


def _read_all(
    columns: Sequence[Sequence[str]], this_year: int, workers: int
) -> tuple[list[np.ndarray], list[str], dict[int, _Column]]:
    """Per name column its ids in one table of name strings, each of those
    strings' key text, and each other column coded.

    With `workers` processes: each column is made distinct by one job;
    the distinct words of the Latin names are read into keys in jobs of
    `CHUNK` (each word once, where each process would meet most of them)
    and this process puts the names together from them, while the workers
    read the Burmese names in jobs of `CHUNK`. The results are the same as
    without workers (tested).
    """
    if not (workers > 1 and len(columns[0]) >= PARALLEL_MIN_ROWS):
        name_cols, names = _merge_names([_distinct(columns[k]) for k in (1, 2, 3)])
        read = [_read_name(text) for text in names]
        coded = {k: coder(columns[k], this_year) for k, coder in _COLUMN_CODERS.items()}
        return name_cols, read, coded

    def chunks(values: Sequence[str]) -> list[tuple[int, str | list[str]]]:
        return [_pack(values[start : start + CHUNK]) for start in range(0, len(values), CHUNK)]

    # Jobs run in the order given: dates and townships (small) keep the
    # workers busy while the names are merged here; the words go before
    # NRCs and phones, so that the Latin names can be put together here
    # while the workers read those and the Burmese names.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        distinct = [pool.apply_async(_distinct_packed, (_pack(columns[k]),)) for k in (1, 2, 3)]
        jobs = {
            k: pool.apply_async(_code_column, (k, _pack(columns[k]), this_year)) for k in (4, 7)
        }
        name_cols, names = _merge_names([job.get() for job in distinct])
        latin, burmese, words = _sort_names(names)
        word_jobs = [pool.apply_async(_read_words, (chunk,)) for chunk in chunks(words)]
        for k in (5, 6):
            jobs[k] = pool.apply_async(_code_column, (k, _pack(columns[k]), this_year))
        burmese_jobs = [
            pool.apply_async(_read_names, (chunk,)) for chunk in chunks([names[k] for k in burmese])
        ]
        word_keys = dict(zip(words, (keys for job in word_jobs for keys in job.get()), strict=True))
        read = [""] * len(names)
        lookup = word_keys.__getitem__
        for k in latin:
            read[k] = key_text(latin_name_key(names[k], lookup))
        for k, text in zip(burmese, (t for job in burmese_jobs for t in job.get()), strict=True):
            read[k] = text
        return name_cols, read, {k: jobs[k].get() for k in _COLUMN_CODERS}


class _Table:
    """Distinct strings to ids 0.. in order of first sight; "" is -1."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def codes(self, texts: Sequence[str]) -> np.ndarray:
        """Ids of `texts`; a table is coded once."""
        index: dict[str, int] = {"": -1}
        ids = [index.setdefault(t, len(index) - 1) for t in texts]
        del index[""]
        self.texts = list(index)
        return np.array(ids, dtype=I32)


def _distinct(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """(position of each value among the distinct ones, distinct values)."""
    index: dict[str, int] = {}
    ids = [index.setdefault(v, len(index)) for v in values]
    return np.array(ids, dtype=I32), list(index)


# -------------------------------------------------------------- coded ----


@dataclass(slots=True)
class Coded:
    """Rows as integer codes; per text id, what name comparison needs."""

    n: int
    ids: list[str]
    texts: list[str]  # name key texts; names and fathers share the ids
    name_a: np.ndarray
    name_b: np.ndarray
    father: np.ndarray
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    nrc: np.ndarray
    nrc_number: np.ndarray
    nrc_prefix: np.ndarray
    nrc_digits: np.ndarray
    phone: np.ndarray
    township: np.ndarray
    nrc_texts: list[str]
    nrc_number_texts: list[str]
    phone_texts: list[str]
    township_texts: list[str]
    warnings: list[tuple[str, ...]]
    # Per text id.
    single: np.ndarray  # one syllable
    sorted_id: np.ndarray  # id of its syllables sorted
    coarse_id: np.ndarray  # id of its coarse text
    name_count: np.ndarray
    father_count: np.ndarray
    # (name id * townships + township id), sorted, and their counts.
    place_keys: np.ndarray
    place_counts: np.ndarray
    # (name id * texts + father id), sorted, and their counts.
    father_keys: np.ndarray
    father_counts: np.ndarray

    def features(self, i: int) -> Features:
        """Row `i` as the scalar scorer's `Features` (same keys, no re-reading)."""
        a, b, f = int(self.name_a[i]), int(self.name_b[i]), int(self.father[i])
        names = tuple(self.texts[x] for x in (a, b) if x >= 0)
        year = int(self.year[i])
        nrc, number = int(self.nrc[i]), int(self.nrc_number[i])
        phone, township = int(self.phone[i]), int(self.township[i])
        return Features(
            id=self.ids[i],
            names=names,
            father=self.texts[f] if f >= 0 else "",
            dob=PartialDate(year, int(self.month[i]), int(self.day[i])) if year else None,
            nrc=self.nrc_texts[nrc] if nrc >= 0 else "",
            nrc_number=self.nrc_number_texts[number] if number >= 0 else "",
            phone=self.phone_texts[phone] if phone >= 0 else "",
            township=self.township_texts[township] if township >= 0 else "",
            warnings=self.warnings[i],
        )

    def frequencies(self) -> engine.Frequencies:
        """The counts `engine.score` reads, looked up in the arrays on demand."""
        texts = {t: i for i, t in enumerate(self.texts)}
        places = {t: i for i, t in enumerate(self.township_texts)}

        def count_of(counts: np.ndarray) -> Callable[[str], int]:
            table = counts.tolist()

            def count(text: str) -> int:
                found = texts.get(text, -1)
                return int(table[found]) if found >= 0 else 0

            return count

        def pair_count_of(
            keys: np.ndarray, counts: np.ndarray, right: dict[str, int]
        ) -> Callable[[str], int]:
            """Counts of "name|other" keys, coded as name id * len(right) + other id."""
            table = dict(zip(keys.tolist(), counts.tolist(), strict=True))
            width = len(right)

            def count(key: str) -> int:
                text, _, other = key.partition("|")  # key texts hold no "|"
                name, of = texts.get(text, -1), right.get(other, -1)
                if name < 0 or of < 0:
                    return 0
                return int(table.get(name * width + of, 0))

            return count

        place_count = pair_count_of(self.place_keys, self.place_counts, places)
        with_father_count = pair_count_of(self.father_keys, self.father_counts, texts)
        return engine.Frequencies(
            _Counts(count_of(self.name_count)),
            _Counts(count_of(self.father_count)),
            _Counts(place_count),
            _Counts(with_father_count, bool(len(self.father_keys))),
        )


class _Counts(dict[str, int]):
    """A read-only count table answering `get` from a function (0: absent)."""

    def __init__(self, count: Callable[[str], int], filled: bool = True) -> None:
        super().__init__()
        self._count = count
        self._filled = filled

    def __bool__(self) -> bool:
        return self._filled

    def get(self, key: str, default: Any = None) -> Any:
        found = self._count(key)
        return found if found else default


def columns_of(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The eight dedupe_csv columns of `rows`, each a list."""
    return [[row[k] for row in rows] for k in range(8)]


def code_rows(rows: Sequence[Sequence[str]], *, this_year: int, workers: int = 1) -> Coded:
    """Read `rows` (the dedupe_csv columns, in order) into a `Coded`."""
    return code_columns(columns_of(rows), this_year=this_year, workers=workers)


def code_columns(columns: Sequence[Sequence[str]], *, this_year: int, workers: int = 1) -> Coded:
    """`code_rows` of the rows whose columns, in order, are `columns`."""
    if len(columns) != 8 or any(len(column) != len(columns[0]) for column in columns):
        raise ValueError("eight columns of one length are expected")
    n = len(columns[0])
    name_cols, read, coded = _read_all(columns, this_year, workers)
    ids = list(columns[0])

    texts = _Table()
    of_string = texts.codes(read)
    a, b, father = (of_string[c] for c in name_cols)
    two = (a >= 0) & (b >= 0) & (a != b)
    name_a = np.where(a >= 0, a, b).astype(I32)
    name_b = np.where(two, b, -1).astype(I32)

    date, nrc, phone, township = (coded[k] for k in (4, 5, 6, 7))
    warnings = _warnings(n, [(c.codes, c.warnings) for c in (date, nrc, phone, township)])

    single = np.fromiter((" " not in t for t in texts.texts), dtype=bool, count=len(texts.texts))
    sorted_t, coarse_t = _Table(), _Table()
    sorted_id = sorted_t.codes([" ".join(sorted(t.split())) for t in texts.texts])
    # Each text once: the uncached function spares the cache a churn.
    coarse_id = coarse_t.codes([coarse_text.__wrapped__(t) for t in texts.texts])
    size = len(texts.texts)
    name_count = np.bincount(
        np.concatenate([name_a[name_a >= 0], name_b[name_b >= 0]]), minlength=size
    )
    father_count = np.bincount(father[father >= 0], minlength=size)
    names = (name_a, name_b)
    township_texts = township.texts["township"]
    place_keys, place_counts = _name_pair_counts(
        names, township.arrays["township"], len(township_texts)
    )
    father_keys, father_counts = _name_pair_counts(names, father, size)
    return Coded(
        n=n,
        ids=ids,
        texts=texts.texts,
        name_a=name_a,
        name_b=name_b,
        father=father.astype(I32),
        **date.arrays,
        **nrc.arrays,
        **phone.arrays,
        **township.arrays,
        nrc_texts=nrc.texts["nrc"],
        nrc_number_texts=nrc.texts["nrc_number"],
        phone_texts=phone.texts["phone"],
        township_texts=township_texts,
        warnings=warnings,
        single=single,
        sorted_id=sorted_id,
        coarse_id=coarse_id,
        name_count=name_count,
        father_count=father_count,
        place_keys=place_keys,
        place_counts=place_counts,
        father_keys=father_keys,
        father_counts=father_counts,
    )


def _name_pair_counts(
    names: tuple[np.ndarray, ...], other: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys ``name id * width + other id`` of the rows holding both,
    each of a row's names once, and how many rows hold each."""
    width = max(1, width)
    keys = [
        name[m].astype(I64) * width + other[m]
        for name in names
        for m in [(name >= 0) & (other >= 0)]
    ]
    found, counts = np.unique(np.concatenate(keys), return_counts=True)
    return found, counts


def _warnings(n: int, columns: list[tuple[np.ndarray, list[str]]]) -> list[tuple[str, ...]]:
    """Per row, the warning codes of its date, NRC, phone and township."""
    found: dict[int, list[str]] = {}
    for codes, codes_warnings in columns:
        bad = np.array([bool(w) for w in codes_warnings], dtype=bool)
        if not bad.any():
            continue
        for row in np.flatnonzero(bad[codes]).tolist():
            found.setdefault(row, []).append(codes_warnings[codes[row]])
    out: list[tuple[str, ...]] = [()] * n
    for row, codes_found in found.items():
        out[row] = tuple(codes_found)
    return out


# ----------------------------------------------------------- blocking ----


def candidate_pairs(
    c: Coded, *, max_block: int = engine.MAX_BLOCK, max_name_only: int = engine.MAX_NAME_ONLY_BATCH
) -> np.ndarray:
    """Sorted pair codes ``i * n + j`` (i < j) sharing a block (`engine.block_keys`).

    The same rules and caps as `engine.candidate_pairs`: a block larger
    than `max_block` (name alone: `max_name_only`) is not paired out.
    """
    n = c.n
    rows = np.arange(n, dtype=I64)
    full = c.day > 0
    dm = c.year.astype(I64) * 10_000 + np.minimum(c.day, c.month) * 100 + np.maximum(c.day, c.month)
    father = c.father.astype(I64)
    tables: list[tuple[list[tuple[np.ndarray, np.ndarray]], int]] = []

    def rule(*parts: tuple[np.ndarray, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(keys[mask], rows[mask]) for keys, mask in parts]

    tables.append((rule((c.nrc_number.astype(I64), c.nrc_number >= 0)), max_block))
    tables.append((rule((c.phone.astype(I64), c.phone >= 0)), max_block))
    slots = [(slot.astype(I64), slot >= 0) for slot in (c.name_a, c.name_b)]
    width = max(1, len(c.township_texts))
    span = max(1, len(c.texts))
    tables.append((rule(*((k * span + father, m & (father >= 0)) for k, m in slots)), max_block))
    tables.append((rule(*((k * 30_000_000 + dm, m & full) for k, m in slots)), max_block))
    tables.append((rule(*((k * 10_000 + c.year, m & (c.year > 0)) for k, m in slots)), max_block))
    tables.append(
        (rule(*((k * width + c.township, m & (c.township >= 0)) for k, m in slots)), max_block)
    )
    tables.append((rule((father * 30_000_000 + dm, (father >= 0) & full)), max_block))
    township = c.township.astype(I64)
    tables.append((rule((township * 30_000_000 + dm, (township >= 0) & full)), max_block))
    has_father = father >= 0
    cap = engine.MAX_FATHER_BLOCK
    tables.append((rule((father * width + township, has_father & (township >= 0))), cap))
    tables.append((rule((father * 10_000 + c.year, has_father & (c.year > 0))), cap))
    tables.append((rule(*slots), max_name_only))
    found = [
        pair_out(
            np.concatenate([k for k, _ in parts]), np.concatenate([r for _, r in parts]), cap, n
        )
        for parts, cap in tables
    ]
    return sorted_unique(np.concatenate(found)) if found else np.empty(0, dtype=I64)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` of integers by sorting (numpy's hashing unique is slower here)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def pair_out(keys: np.ndarray, members: np.ndarray, cap: int, n: int) -> np.ndarray:
    """Every pair of members of each block of 2..`cap` members."""
    if len(keys) < 2:
        return np.empty(0, dtype=I64)
    order = np.argsort(keys, kind="stable")
    keys, members = keys[order], members[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    out = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= cap)]).tolist():
        block = members[starts[sizes == size][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        x, y = block[:, first].ravel(), block[:, second].ravel()
        out.append(np.minimum(x, y) * n + np.maximum(x, y))
    return np.concatenate(out) if out else np.empty(0, dtype=I64)


# ------------------------------------------------------------ scoring ----


def _penalties(counts: np.ndarray, penalty: Callable[[int], float]) -> np.ndarray:
    """`penalty` of each count, computed once per distinct count (exactly)."""
    if not counts.size:
        return np.zeros(counts.shape, dtype=np.float64)
    top = int(counts.max())
    if top > 1 << 20:  # a table that long is not worth it
        distinct, inverse = np.unique(counts, return_inverse=True)
        table = np.array([penalty(int(x)) for x in distinct.tolist()], dtype=np.float64)
        return table[inverse.reshape(counts.shape)]
    table = np.zeros(top + 1, dtype=np.float64)
    present = np.flatnonzero(np.bincount(counts.ravel(), minlength=top + 1))
    table[present] = [penalty(x) for x in present.tolist()]
    out: np.ndarray = table[counts]
    return out


def _ratios(texts: np.ndarray, x: np.ndarray, y: np.ndarray, workers: int) -> np.ndarray:
    if not len(x):
        return np.empty(0, dtype=np.float64)
    return process.cpdist(texts[x], texts[y], scorer=fuzz.ratio, dtype=np.float64, workers=workers)


def _levels(
    c: Coded,
    texts: np.ndarray,
    combos: list[tuple[np.ndarray, np.ndarray]],
    ask: np.ndarray,
    workers: int,
) -> np.ndarray:
    """`engine._name_level` below SAME for the pairs in `ask` (mask).

    `combos` are (x, y) text ids of each name of one side against each of
    the other (-1 where a side has no such name).
    """
    best = np.zeros(len(ask), dtype=np.float64)
    coarse = np.zeros(len(ask), dtype=bool)
    for x, y in combos:
        valid = ask & (x >= 0) & (y >= 0)
        at = np.flatnonzero(valid)
        r = _ratios(texts, x[at], y[at], workers)
        same_syllables = c.sorted_id[x[at]] == c.sorted_id[y[at]]
        r = np.where(same_syllables, np.maximum(r, engine.NAME_HIGH), r)
        best[at] = np.maximum(best[at], r)
        coarse[at] |= c.coarse_id[x[at]] == c.coarse_id[y[at]]
    level = np.full(len(ask), int(engine.Level.DIFFERENT), dtype=np.int8)
    level[best >= engine.NAME_MID] = engine.Level.MID
    level[coarse] = engine.Level.HIGH
    level[best >= engine.NAME_HIGH] = engine.Level.HIGH
    level[~ask] = engine.Level.MISSING
    return level


def _weights(level: np.ndarray, weights: dict[engine.Level, float]) -> np.ndarray:
    table = np.zeros(int(max(engine.Level)) + 1, dtype=np.float64)
    for lv, w in weights.items():
        table[lv] = w
    out: np.ndarray = table[level]
    return out


def score_pairs(
    c: Coded,
    i: np.ndarray,
    j: np.ndarray,
    *,
    workers: int = 1,
    names: dict[engine.Level, float] = engine.NAME_WEIGHTS,
) -> np.ndarray:
    """`engine.score(features i, features j, frequencies, names=names)` for
    each pair (`engine.CONFLICT_NAME_WEIGHTS`: `engine.conflict_score`)."""
    texts = np.array(c.texts, dtype=object)
    total = np.zeros(len(i), dtype=np.float64)

    # Names.
    a0, a1, b0, b1 = c.name_a[i], c.name_b[i], c.name_a[j], c.name_b[j]
    has = (a0 >= 0) & (b0 >= 0)
    first = (a0 >= 0) & ((a0 == b0) | (a0 == b1))
    second = (a1 >= 0) & ((a1 == b0) | (a1 == b1))
    same = has & (first | second)
    level = _levels(c, texts, [(a0, b0), (a0, b1), (a1, b0), (a1, b1)], has & ~same, workers)
    weight = _weights(level, names)
    shared_name = np.full(len(i), -1, dtype=I32)
    if same.any():
        at = np.flatnonzero(same)
        shared = np.where(first[at], a0[at], a1[at])
        shared_name[at] = shared
        w = np.full(len(at), names[engine.Level.SAME])
        w = np.where(c.single[shared], w - engine.SHORT_NAME_PENALTY, w)
        pen = _penalties(c.name_count[shared], engine.frequency_penalty)
        t = c.township[i[at]]
        local = (t >= 0) & (t == c.township[j[at]])
        if engine.LOCAL_FREQUENCY and local.any():
            # Row i holds the shared name in that township: the key is there.
            width = max(1, len(c.township_texts))
            keys = shared[local].astype(I64) * width + t[local]
            counts = c.place_counts[np.searchsorted(c.place_keys, keys)]
            pen[local] = np.where(
                c.single[shared[local]],
                _penalties(counts, engine.local_frequency_penalty),
                _penalties(counts, engine.place_name_penalty),
            )
        weight[at] = w - pen
    total += weight

    # Fathers.
    fa, fb = c.father[i], c.father[j]
    both = (fa >= 0) & (fb >= 0)
    same = both & (fa == fb)
    level = _levels(c, texts, [(fa, fb)], both & ~same, workers)
    weight = _weights(level, engine.FATHER_WEIGHTS)
    if same.any():
        at = np.flatnonzero(same)
        f = fa[at]
        w = np.full(len(at), engine.FATHER_WEIGHTS[engine.Level.SAME])
        w = np.where(c.single[f], w - engine.SHORT_NAME_PENALTY, w)
        pen = _penalties(c.father_count[f], engine.frequency_penalty)
        named = shared_name[at] >= 0
        if named.any() and len(c.father_keys):
            # Row i holds the shared name with this father: the key is there.
            keys = shared_name[at][named].astype(I64) * max(1, len(c.texts)) + f[named]
            counts = c.father_counts[np.searchsorted(c.father_keys, keys)]
            pen[named] = _penalties(counts, engine.local_frequency_penalty)
        weight[at] = w - pen
    total += weight

    total += _date_weights(c, i, j)
    total += _nrc_weights(c, i, j)
    pa, pb = c.phone[i], c.phone[j]
    total += np.where(
        (pa >= 0) & (pb >= 0),
        np.where(pa == pb, engine.PHONE_SAME, engine.PHONE_DIFFERENT),
        0.0,
    )
    ta, tb = c.township[i], c.township[j]
    total += np.where(
        (ta >= 0) & (tb >= 0),
        np.where(ta == tb, engine.TOWNSHIP_SAME, engine.TOWNSHIP_DIFFERENT),
        0.0,
    )
    return total


def _date_weights(c: Coded, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """`engine._date_weight` (with `dates.compare_dates`) for each pair."""
    from safepassage.screening.dates import DateMatch

    w = engine.DATE_WEIGHTS
    ya, ma, da = c.year[i].astype(I32), c.month[i], c.day[i]
    yb, mb, db = c.year[j].astype(I32), c.month[j], c.day[j]
    fa, fb = da > 0, db > 0
    both_full = fa & fb
    exact = (ma == mb) & (da == db)
    swapped = (ma == db) & (da == mb)
    near = np.abs(ya - yb) == 1
    slip = w[DateMatch.SLIP]
    year_slip = both_full & exact & (_digits_apart(ya, yb, 4) == 1)
    other_year = np.where(
        near,
        np.where(both_full & (exact | swapped), w[DateMatch.YEAR_NEAR_DAY], w[DateMatch.YEAR_NEAR]),
        np.where(year_slip, slip, w[DateMatch.DIFFERENT]),
    )
    day_in_month = (fa & (da == mb) & (ma <= 12)) | (~fa & fb & (db == ma) & (mb <= 12))
    part = np.where(
        ma == mb,
        w[DateMatch.YEAR_MONTH],
        np.where(day_in_month, w[DateMatch.YEAR], w[DateMatch.DIFFERENT]),
    )
    full = np.where(
        exact,
        w[DateMatch.EXACT],
        np.where(
            swapped,
            w[DateMatch.SWAPPED],
            np.where(
                ma == mb,
                np.where(_digits_apart(da, db, 2) == 1, slip, engine.DATE_DAY_DIFFERS),
                np.where(
                    (da == db) & (_digits_apart(ma, mb, 2) == 1), slip, w[DateMatch.DIFFERENT]
                ),
            ),
        ),
    )
    same_year = np.where((ma == 0) | (mb == 0), w[DateMatch.YEAR], np.where(both_full, full, part))
    out = np.where(ya == yb, same_year, other_year)
    return np.where((ya > 0) & (yb > 0), out, 0.0)


def _digits_apart(x: np.ndarray, y: np.ndarray, width: int) -> np.ndarray:
    """`dates.digits_apart` for each pair."""
    x, y = x.astype(I32), y.astype(I32)
    apart = np.zeros(len(x), dtype=np.int8)
    for _ in range(width):
        apart += (x % 10 != y % 10).astype(np.int8)
        x, y = x // 10, y // 10
    return apart


def _nrc_weights(c: Coded, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """`engine._nrc_weight` for each pair."""
    na, nb = c.nrc[i], c.nrc[j]
    ka, kb = c.nrc_number[i], c.nrc_number[j]
    same_number = ka == kb
    da, db = c.nrc_digits[i], c.nrc_digits[j]
    differing = np.zeros(len(i), dtype=np.int8)
    for _ in range(6):
        differing += (da % 10 != db % 10).astype(np.int8)
        da, db = da // 10, db // 10
    near = (c.nrc_prefix[i] == c.nrc_prefix[j]) & (differing <= 1)
    full = np.where(
        na == nb,
        engine.NRC_SAME,
        np.where(
            same_number,
            engine.NRC_SAME_NUMBER,
            np.where(near, engine.NRC_NEAR, engine.NRC_DIFFERENT),
        ),
    )
    numbers = np.where(same_number, engine.NRC_SAME_NUMBER, engine.NRC_DIFFERENT / 2)
    return np.where((na >= 0) & (nb >= 0), full, np.where((ka >= 0) & (kb >= 0), numbers, 0.0))
