"""Batch de-duplication of plain person records (no database).

`dedupe_columns` is what `manage.py dedupe_csv` runs, and `dedupe_rows`
what `dedupe_cases` runs over decrypted cases: cells read into
integer-coded columns, blocking,
pair scoring (batch.py, numpy), guarded clustering (cluster.py). Memory
grows with the number of rows (the rows themselves, the coded columns and
the candidate pairs; figures for 1,000,000 rows in docs/benchmarks.md).

The cyclic garbage collector is paused meanwhile (`collector_paused`):
the millions of objects made hold no cycles, and full collections over
them took a third of the time.

With ``workers > 1`` (Linux: ``fork``), the columns (and the distinct
names, in parts) are read by worker processes, and name similarities are
computed on that many threads; the result is identical to ``workers=1``
(tested).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from safepassage.core.collector import collector_paused
from safepassage.screening import batch
from safepassage.screening.cluster import MAX_CLUSTER, cluster_pairs
from safepassage.screening.engine import (
    CONFLICT_NAME_WEIGHTS,
    MATCH_THRESHOLD,
    MAX_BLOCK,
    Frequencies,
    conflict_score,
)
from safepassage.screening.index import ScreeningIndex
from safepassage.screening.records import Features, PersonRecord

Row = Sequence[str]  # id, name, name_my, father_name, date_of_birth, nrc, phone, township


@dataclass(frozen=True, slots=True)
class DedupeResult:
    """Per input row, in input order: cluster label, best score, warnings.

    `clusters[i]` is the position of the first row of i's cluster, so a
    singleton is its own label. `best_scores[i]` is the highest score of a
    pair that merged i (0.0 for a singleton).
    """

    ids: list[str]
    clusters: list[int]
    best_scores: list[float]
    warnings: list[tuple[str, ...]]
    pairs_scored: int


def default_workers() -> int:
    if multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0))))


@collector_paused()
def dedupe_rows(
    rows: Sequence[Row],
    *,
    this_year: int,
    threshold: float = MATCH_THRESHOLD,
    max_block: int = MAX_BLOCK,
    workers: int = 1,
    progress: Callable[[str, int], None] | None = None,
    extra_edges: Sequence[tuple[float, int, int]] = (),
) -> DedupeResult:
    """De-duplicate `rows` (tuples in the dedupe_csv column order).

    `progress(stage, done)` is called now and then with the stage
    ("features", "pairs", "clusters") and a count done in that stage.
    `extra_edges` are matching pairs (score, i, j) found by other means
    (what the columns cannot carry: aliases, further phones), clustered
    with the rest under the same coherence checks.
    """
    return dedupe_columns(
        batch.columns_of(rows),
        this_year=this_year,
        threshold=threshold,
        max_block=max_block,
        workers=workers,
        progress=progress,
        extra_edges=extra_edges,
    )


@collector_paused()
def dedupe_columns(
    columns: Sequence[Sequence[str]],
    *,
    this_year: int,
    threshold: float = MATCH_THRESHOLD,
    max_block: int = MAX_BLOCK,
    workers: int = 1,
    progress: Callable[[str, int], None] | None = None,
    extra_edges: Sequence[tuple[float, int, int]] = (),
) -> DedupeResult:
    """`dedupe_rows` of the rows whose eight columns, in order, are `columns`
    (what a CSV reader gives without building a list per row)."""
    coded = batch.code_columns(columns, this_year=this_year, workers=workers)
    n = coded.n
    if progress is not None:
        progress("features", n)
    pairs = batch.candidate_pairs(coded, max_block=max_block)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, len(pairs), batch.SCORE_STEP):
        chunk = pairs[start : start + batch.SCORE_STEP]
        i, j = np.divmod(chunk, n)
        s = batch.score_pairs(coded, i, j, workers=workers)
        keep = s >= threshold
        found.append((s[keep], i[keep], j[keep]))
        if progress is not None:
            progress("pairs", len(chunk))
    if extra_edges:
        s, i, j = (np.array(column) for column in zip(*extra_edges, strict=True))
        found.append((s.astype(np.float64), i.astype(np.int64), j.astype(np.int64)))
    scores, first, second = (
        (np.concatenate([f[k] for f in found]) for k in range(3))
        if found
        else (np.empty(0), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    )
    best = np.zeros(n, dtype=np.float64)
    np.maximum.at(best, first, scores)
    np.maximum.at(best, second, scores)
    groups = match_groups(n, first, second)
    # A group of the match graph of two rows is one cluster: cluster_pairs
    # joins two rows alone, whatever their score, with nothing to check.
    # Only the larger groups are scored for the check and clustered.
    pair = np.bincount(groups, minlength=n)[groups[first]] == 2
    first_two, second_two = first[pair], second[pair]
    scores, first, second = scores[~pair], first[~pair], second[~pair]
    # Strongest first, then by position: the order cluster_pairs merges in.
    order = np.lexsort((second, first, -scores))
    edges = list(
        zip(scores[order].tolist(), first[order].tolist(), second[order].tolist(), strict=True)
    )
    known = _group_scores(coded, groups, first, second, workers=workers)
    features: dict[int, Features] = {}
    # Made at the first pair outside the groups (its tables take a second).
    freq: list[Frequencies] = []

    def pair_conflict(x: int, y: int) -> float:
        found = known.get(x * n + y)
        if found is not None:
            return found
        if not freq:
            freq.append(coded.frequencies())
        fx = features.get(x) or features.setdefault(x, coded.features(x))
        fy = features.get(y) or features.setdefault(y, coded.features(y))
        return conflict_score(fx, fy, freq[0])

    found_labels = np.array(cluster_pairs(n, edges, pair_conflict, ordered=True), dtype=np.int64)
    low = np.minimum(first_two, second_two)
    found_labels[first_two] = low
    found_labels[second_two] = low
    labels: list[int] = found_labels.tolist()
    if progress is not None:
        progress("clusters", n)
    return DedupeResult(
        ids=coded.ids,
        clusters=labels,
        best_scores=best.tolist(),
        warnings=coded.warnings,
        pairs_scored=len(pairs),
    )


#: Groups of the match graph larger than this are left to scalar scoring.
MAX_GROUP = 2 * MAX_CLUSTER


def match_groups(n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per row, the smallest row joined to it by a chain of matching pairs.

    Connected components of the match graph, by repeated min-label
    propagation with pointer jumping (numpy; a handful of rounds).
    """
    labels = np.arange(n, dtype=np.int64)
    while len(first):
        before = labels.copy()
        low = np.minimum(labels[first], labels[second])
        np.minimum.at(labels, first, low)
        np.minimum.at(labels, second, low)
        labels = labels[labels]
        if np.array_equal(labels, before):
            break
    return labels


def _group_scores(
    coded: batch.Coded, groups: np.ndarray, first: np.ndarray, second: np.ndarray, *, workers: int
) -> dict[int, float]:
    """``x * n + y`` -> `conflict_score` of (x, y), both orders, for every
    pair of rows in one group of the match graph (`groups`: `match_groups`)
    of at most `MAX_GROUP` rows, of the groups whose matching pairs are
    (`first`, `second`).

    Those are the only pairs clustering's coherence check can ask about
    (the clusters it builds never reach outside a group), so they are
    scored at once, vectorised, instead of one by one.
    """
    n = coded.n
    if not len(first):
        return {}
    rows = batch.sorted_unique(np.concatenate([first, second]))
    pairs = batch.pair_out(groups[rows], rows, MAX_GROUP, n)
    known: dict[int, float] = {}
    for start in range(0, len(pairs), batch.SCORE_STEP):
        x, y = np.divmod(pairs[start : start + batch.SCORE_STEP], n)
        for a, b in ((x, y), (y, x)):
            scores = batch.score_pairs(coded, a, b, workers=workers, names=CONFLICT_NAME_WEIGHTS)
            known.update(zip((a * n + b).tolist(), scores.tolist(), strict=True))
    return known


def dedupe_records(
    records: Sequence[PersonRecord],
    *,
    this_year: int,
    threshold: float = MATCH_THRESHOLD,
    workers: int = 1,
) -> DedupeResult:
    """`dedupe_rows` for `PersonRecord`s, aliases and further phones included:
    the people who have any are searched for in a `ScreeningIndex` of all,
    and what they match there joins the pairs the columns give."""
    rows = [
        (
            r.id,
            r.name,
            r.name_my,
            r.father_name,
            r.date_of_birth,
            r.nrc,
            r.phone,
            r.township,
        )
        for r in records
    ]
    return dedupe_rows(
        rows,
        this_year=this_year,
        threshold=threshold,
        workers=workers,
        extra_edges=_alias_and_phone_edges(records, this_year=this_year, threshold=threshold),
    )


def _alias_and_phone_edges(
    records: Sequence[PersonRecord], *, this_year: int, threshold: float
) -> list[tuple[float, int, int]]:
    """(score, i, j), i < j, for each record with aliases or more than one
    phone and each record it matches at `threshold` or above."""
    wide = [i for i, r in enumerate(records) if r.aliases or r.other_phones]
    if not wide:
        return []
    index = ScreeningIndex(records, this_year=this_year)
    position = {r.id: i for i, r in enumerate(records)}
    edges: dict[tuple[int, int], float] = {}
    for i in wide:
        for candidate in index.search(records[i], limit=MAX_CLUSTER, min_score=threshold):
            j = position[candidate.id]
            if j != i:
                pair = (min(i, j), max(i, j))
                edges[pair] = max(edges.get(pair, 0.0), candidate.score)
    return [(s, i, j) for (i, j), s in sorted(edges.items())]
