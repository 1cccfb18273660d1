"""Batch de-duplication of plain person records (no database).

`dedupe_rows` is what `manage.py dedupe_csv` runs and what a later
`dedupe_cases` can run over decrypted cases: features, blocking, pair
scoring, guarded clustering. Memory grows with the number of rows (a
`Features` per row, the blocks and the candidate pairs; figures for
1,000,000 rows in docs/benchmarks.md).

With ``workers > 1`` (Linux: ``fork``), features and pair scores are
computed by worker processes that inherit the rows by copy-on-write; the
result is identical to ``workers=1`` (tested).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from safepassage.screening.cluster import cluster_pairs
from safepassage.screening.engine import (
    MATCH_THRESHOLD,
    MAX_BLOCK,
    Frequencies,
    candidate_pairs,
    score,
)
from safepassage.screening.records import Features, PersonRecord, features_from_fields

#: Below this many rows, worker processes cost more than they save.
PARALLEL_MIN_ROWS = 20_000
CHUNK = 10_000

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


# Inherited by forked workers; set only around a pool's lifetime.
_ROWS: Sequence[Row] = ()
_FEATURES: Sequence[Features] = ()
_FREQ: Frequencies | None = None
_THIS_YEAR = 0


def _features_chunk(bounds: tuple[int, int]) -> list[Features]:
    start, end = bounds
    year = _THIS_YEAR
    return [features_from_fields(*row[:8], this_year=year) for row in _ROWS[start:end]]


def _score_chunk(args: tuple[list[int], float]) -> list[tuple[float, int, int]]:
    pairs, threshold = args
    features = _FEATURES
    freq = _FREQ
    n = len(features)
    edges = []
    for p in pairs:
        i, j = divmod(p, n)
        s = score(features[i], features[j], freq)
        if s >= threshold:
            edges.append((s, i, j))
    return edges


def default_workers() -> int:
    if multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0))))


def dedupe_rows(
    rows: Sequence[Row],
    *,
    this_year: int,
    threshold: float = MATCH_THRESHOLD,
    max_block: int = MAX_BLOCK,
    workers: int = 1,
    progress: Callable[[str, int], None] | None = None,
) -> DedupeResult:
    """De-duplicate `rows` (tuples in the dedupe_csv column order).

    `progress(stage, done)` is called now and then with the stage
    ("features", "pairs", "clusters") and a count done in that stage.
    """
    global _ROWS, _FEATURES, _FREQ, _THIS_YEAR
    n = len(rows)
    parallel = workers > 1 and n >= PARALLEL_MIN_ROWS
    features: list[Features] = []
    bounds = [(s, min(n, s + CHUNK)) for s in range(0, n, CHUNK)]
    if parallel:
        _ROWS, _THIS_YEAR = rows, this_year
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for chunk in pool.imap(_features_chunk, bounds):
                    features.extend(chunk)
                    if progress is not None:
                        progress("features", len(chunk))
        finally:
            _ROWS = ()
    else:
        for start, end in bounds:
            features.extend(
                features_from_fields(*row[:8], this_year=this_year) for row in rows[start:end]
            )
            if progress is not None:
                progress("features", end - start)
    pairs = list(candidate_pairs(features, max_block=max_block))
    edges: list[tuple[float, int, int]] = []
    step = 200_000
    jobs = [(pairs[s : s + step], threshold) for s in range(0, len(pairs), step)]
    freq = Frequencies.of(features)
    _FEATURES, _FREQ = features, freq
    try:
        if parallel and len(jobs) > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for found, job in zip(pool.imap(_score_chunk, jobs), jobs, strict=True):
                    edges.extend(found)
                    if progress is not None:
                        progress("pairs", len(job[0]))
        else:
            for job in jobs:
                edges.extend(_score_chunk(job))
                if progress is not None:
                    progress("pairs", len(job[0]))
    finally:
        _FEATURES, _FREQ = (), None
    best = [0.0] * n
    for s, i, j in edges:
        if s > best[i]:
            best[i] = s
        if s > best[j]:
            best[j] = s
    labels = cluster_pairs(n, edges, lambda i, j: score(features[i], features[j], freq))
    if progress is not None:
        progress("clusters", n)
    return DedupeResult(
        ids=[f.id for f in features],
        clusters=labels,
        best_scores=best,
        warnings=[f.warnings for f in features],
        pairs_scored=len(pairs),
    )


def dedupe_records(
    records: Sequence[PersonRecord],
    *,
    this_year: int,
    threshold: float = MATCH_THRESHOLD,
    workers: int = 1,
) -> DedupeResult:
    """`dedupe_rows` for `PersonRecord`s."""
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
    return dedupe_rows(rows, this_year=this_year, threshold=threshold, workers=workers)
