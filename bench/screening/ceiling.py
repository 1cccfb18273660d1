"""How high pairwise F1 can go on a labelled list, for any matcher that
reads the same fields: an optimistic ceiling, measured with the labels.

1. **Strong evidence.** Within each labelled person, records are joined
   whenever they share a father's name, a date of birth beyond its year,
   an NRC (or its number, or one digit off) or a phone: the person falls
   into *strong components*. A perfect matcher finds every pair inside a
   component and nothing false; that recall is the ceiling of decisions
   taken on evidence beyond a name, a township and a birth year.
2. **Weak links.** Joining two components of one person takes a name (and
   a township, a year) alone. Every pair of components, of any persons,
   that shares a name key in one township (or where one side has no
   township), and that no pair across them vetoes (`engine.conflict_score`
   below `CONFLICT_THRESHOLD`, as clustering refuses), is a candidate.
   Candidates are put in cells by what a matcher can see: the township
   (shared, or missing on a side), the birth year (agrees, unknown,
   differs), the syllables of the shared name, how many records hold the
   name in that township (or in the country when a side has no
   township), and the larger of the two sides' counts of compatible
   candidate components. An oracle that knows each cell's precision
   (hindsight, from the labels) takes whole cells, best first, while the
   total precision stays at or above ``--min-precision``.

The ceiling is optimistic on purpose: the strong part is assumed perfect,
transitivity is ignored (a matcher must keep clusters consistent), and
the cells are chosen with the labels. A real matcher is below it; a
target above it cannot be met on the list by anyone reading these fields.

Usage::

    .venv/bin/python bench/screening/ceiling.py --data var/bench/heldout-200000-1
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.screening.evidence import _pairs_within, agreements, read_labelled  # noqa: E402

#: A (name, township) group larger than this is not paired out: its
#: candidates are namesakes by the hundred and would only add false pairs.
MAX_GROUP = 400


@dataclass(frozen=True)
class Ceiling:
    """What the labelled list allows; pairs are record pairs."""

    true_pairs: int
    strong_pairs: int  # true pairs inside strong components
    components: int
    candidates: int  # weak candidate component pairs
    candidate_pairs: int  # the record pairs across them
    candidate_true: int
    beyond: int  # true pairs in no strong component and no candidate
    f1: float
    recall: float
    precision: float
    cells_taken: int
    cells: int
    free_f1: float  # with every true pair beyond the candidates found
    free_recall: float
    free_precision: float
    all_weak_recall: float  # every candidate taken


@dataclass(frozen=True)
class Measured:
    ceiling: Ceiling
    true_i: np.ndarray  # the true pairs (rows), and each row's component
    true_j: np.ndarray
    component: np.ndarray


def measure(rows: list[list[str]], labels: list[str], *, min_precision: float) -> Measured:
    """The ceiling of `rows` (dedupe_csv's columns) under `labels` (a person
    per row)."""
    from safepassage.screening import batch

    coded = batch.code_rows(rows, this_year=2026)
    _, person = np.unique(np.array(labels, dtype=object), return_inverse=True)
    person = person.astype(np.int64)
    groups: dict[int, list[int]] = defaultdict(list)
    for k, p in enumerate(person.tolist()):
        groups[p].append(k)
    ti, tj = _pairs_within(groups.values())
    total_true = len(ti)
    strong = _strong(coded, ti, tj)
    component = _components(coded.n, ti[strong], tj[strong])
    sizes = np.bincount(component)
    strong_pairs = int((sizes * (sizes - 1) // 2).sum())
    weight, same, cells = _weak_candidates(coded, component, sizes, person)
    candidate_true = int(weight[same].sum())
    beyond = total_true - strong_pairs - candidate_true
    f1, recall, precision, taken, n_cells = _best_cells(
        cells, weight, same, strong_pairs, total_true, min_precision
    )
    free_tp = recall * total_true + beyond
    free_fp = recall * total_true * (1 / precision - 1)
    free_precision = free_tp / (free_tp + free_fp) if free_tp else 1.0
    free_recall = free_tp / total_true if total_true else 0.0
    return Measured(
        Ceiling(
            true_pairs=total_true,
            strong_pairs=strong_pairs,
            components=len(sizes),
            candidates=len(weight),
            candidate_pairs=int(weight.sum()),
            candidate_true=candidate_true,
            beyond=beyond,
            f1=f1,
            recall=recall,
            precision=precision,
            cells_taken=taken,
            cells=n_cells,
            free_f1=_f1(free_precision, free_recall),
            free_recall=free_recall,
            free_precision=free_precision,
            all_weak_recall=(strong_pairs + candidate_true) / total_true if total_true else 0.0,
        ),
        ti,
        tj,
        component,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of people.csv, labels.csv")
    parser.add_argument("--min-precision", type=float, default=0.98)
    parser.add_argument(
        "--pred", type=Path, help="dedupe_csv output file, to set beside the ceiling"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

    rows, labels = read_labelled(args.data)
    measured = measure(rows, labels, min_precision=args.min_precision)
    c = measured.ceiling
    print(f"rows {len(rows):,}, true pairs {c.true_pairs:,}")
    print(
        f"1. strong components: {c.components:,}; true pairs inside them {c.strong_pairs:,}"
        f" = recall {c.strong_pairs / c.true_pairs:.4f} at precision 1"
        f" (F1 {_f1(1.0, c.strong_pairs / c.true_pairs):.4f})"
    )
    print(
        f"2. weak candidates: {c.candidates:,} component pairs, {c.candidate_pairs:,} record"
        f" pairs, of which true {c.candidate_true:,} (true pairs across components"
        f" {c.true_pairs - c.strong_pairs:,}; beyond any name-and-place candidate {c.beyond:,})"
    )
    print(
        f"3. ceiling at precision >= {args.min_precision}: F1 {c.f1:.4f}"
        f" (recall {c.recall:.4f}, precision {c.precision:.4f}),"
        f" {c.cells_taken} of {c.cells} cells taken"
    )
    print(
        f"   and the {c.beyond:,} true pairs beyond any candidate found for free:"
        f" F1 {c.free_f1:.4f} (recall {c.free_recall:.4f}, precision {c.free_precision:.4f})"
    )
    print(f"   every weak candidate taken: recall {c.all_weak_recall:.4f}")
    if args.pred:
        _matcher(
            args.pred,
            [row[0] for row in rows],
            measured.true_i,
            measured.true_j,
            measured.component,
        )


def _strong(coded, i: np.ndarray, j: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Pairs sharing evidence beyond a name, a township and a birth year:
    `evidence.agreements`, and a father's name the scorer finds similar
    (typed differently, same person's father)."""
    from safepassage.screening import batch, engine

    father, date, nrc, phone = agreements(coded, i, j)
    fa, fb = coded.father[i], coded.father[j]
    texts = np.array(coded.texts, dtype=object)
    level = batch._levels(coded, texts, [(fa, fb)], (fa >= 0) & (fb >= 0) & (fa != fb), 1)
    similar = (level == engine.Level.MID) | (level == engine.Level.HIGH)
    out: np.ndarray = father | similar | date | nrc | phone
    return out


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Component label (0..) of each row under the edges (i, j)."""
    parent = np.arange(n, dtype=np.int64)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:
            parent[x], x = root, int(parent[x])
        return root

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(x) for x in range(n)], dtype=np.int64)
    _, labels = np.unique(roots, return_inverse=True)
    out: np.ndarray = labels.astype(np.int64)
    return out


def _weak_candidates(coded, component, sizes, person):  # type: ignore[no-untyped-def]
    """Candidate component pairs with their record-pair weight, truth and
    cell (what a matcher sees of them)."""
    from safepassage.screening import batch, engine

    holders: dict[tuple[int, int], list[int]] = defaultdict(list)
    country: dict[int, list[int]] = defaultdict(list)
    for col in (coded.name_a, coded.name_b):
        for row in np.flatnonzero(col >= 0).tolist():
            key = int(col[row])
            country[key].append(row)
            holders[(key, int(coded.township[row]))].append(row)
    first: list[int] = []
    second: list[int] = []
    for (key, township), members in holders.items():
        if township >= 0:
            if len(members) <= MAX_GROUP:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        first.append(members[x])
                        second.append(members[y])
        else:
            everyone = country[key]
            if len(everyone) <= MAX_GROUP:
                for a in members:
                    for b in everyone:
                        if a != b:
                            first.append(a)
                            second.append(b)
    i = np.array(first, dtype=np.int64)
    j = np.array(second, dtype=np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keys = np.unique(lo * coded.n + hi)
    i, j = keys // coded.n, keys % coded.n
    apart = component[i] != component[j]
    i, j = i[apart], j[apart]
    conflict = (
        batch.score_pairs(coded, i, j, names=engine.CONFLICT_NAME_WEIGHTS)
        < engine.CONFLICT_THRESHOLD
    )
    # A component pair is vetoed when any record pair across it is.
    ca, cb = np.minimum(component[i], component[j]), np.maximum(component[i], component[j])
    pair_key = ca * len(sizes) + cb
    vetoed = np.unique(pair_key[conflict])
    keep = ~np.isin(pair_key, vetoed)
    i, j, pair_key = i[keep], j[keep], pair_key[keep]

    year_i, year_j = coded.year[i], coded.year[j]
    year = np.where((year_i > 0) & (year_j > 0), np.where(year_i == year_j, 2, 0), 1)
    town_i, town_j = coded.township[i], coded.township[j]
    shared_town = (town_i >= 0) & (town_i == town_j)
    shared = _shared_name(coded, i, j)
    syllables = np.minimum(
        np.array([coded.texts[x].count(" ") + 1 for x in shared.tolist()], dtype=np.int64), 4
    )
    width = max(1, len(coded.township_texts))
    place_count = np.where(
        shared_town,
        coded.place_counts[
            np.searchsorted(coded.place_keys, shared.astype(np.int64) * width + town_i)
        ],
        coded.name_count[shared],
    )
    # Per component pair: the best any record pair across it shows.
    unique_keys, inverse = np.unique(pair_key, return_inverse=True)
    best_town = np.zeros(len(unique_keys), dtype=np.int64)
    np.maximum.at(best_town, inverse, shared_town.astype(np.int64))
    best_year = np.zeros(len(unique_keys), dtype=np.int64)
    np.maximum.at(best_year, inverse, year)
    most_syllables = np.zeros(len(unique_keys), dtype=np.int64)
    np.maximum.at(most_syllables, inverse, syllables)
    fewest_holders = np.full(len(unique_keys), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(fewest_holders, inverse, place_count)
    ci, cj = unique_keys // len(sizes), unique_keys % len(sizes)
    candidates = np.bincount(np.concatenate([ci, cj]), minlength=len(sizes))
    ambiguity = np.maximum(candidates[ci], candidates[cj])
    # Truth: the person of any row of each component.
    row_of = np.zeros(len(sizes), dtype=np.int64)
    row_of[component] = np.arange(len(component))
    same = person[row_of[ci]] == person[row_of[cj]]
    weight = sizes[ci] * sizes[cj]
    cells = (
        best_town * 10_000
        + best_year * 1_000
        + most_syllables * 100
        + _bucket(fewest_holders) * 10
        + _bucket(ambiguity)
    )
    return weight, same, cells


def _shared_name(coded, i: np.ndarray, j: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    a0, a1, b0, b1 = coded.name_a[i], coded.name_b[i], coded.name_a[j], coded.name_b[j]
    first = (a0 >= 0) & ((a0 == b0) | (a0 == b1))
    out: np.ndarray = np.where(first, a0, a1)
    return out


def _bucket(count: np.ndarray) -> np.ndarray:
    """1, 2, 3, 4, 5–8, 9–16, 17+ as 1..7."""
    out: np.ndarray = np.select(
        [count <= 4, count <= 8, count <= 16], [np.maximum(count, 1), 5, 6], 7
    )
    return out


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _best_cells(
    cells: np.ndarray,
    weight: np.ndarray,
    same: np.ndarray,
    strong_pairs: int,
    total_true: int,
    min_precision: float,
) -> tuple[float, float, float, int, int]:
    """(F1, recall, precision, cells taken, cells): whole cells taken, best
    precision first, skipping any that would take precision below
    `min_precision`, at the best F1 on the way."""
    ids, inverse = np.unique(cells, return_inverse=True)
    true_w = np.bincount(inverse, weights=np.where(same, weight, 0), minlength=len(ids))
    all_w = np.bincount(inverse, weights=weight, minlength=len(ids))
    order = np.argsort(-(true_w / np.maximum(all_w, 1)), kind="stable")
    tp, fp = strong_pairs, 0
    recall = tp / total_true if total_true else 0.0
    best = (_f1(1.0, recall), recall, 1.0, 0)
    taken = 0
    for k in order.tolist():
        t, f = int(true_w[k]), int(all_w[k] - true_w[k])
        if (tp + t) / (tp + t + fp + f) < min_precision:
            continue
        tp, fp, taken = tp + t, fp + f, taken + 1
        precision, recall = tp / (tp + fp), tp / total_true
        if _f1(precision, recall) > best[0]:
            best = (_f1(precision, recall), recall, precision, taken)
    return (*best, len(ids))


def _matcher(
    pred: Path, ids: list[str], ti: np.ndarray, tj: np.ndarray, component: np.ndarray
) -> None:
    """What a matcher's output found of the true pairs inside strong
    components, and of those across them."""
    with pred.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        cluster = {row[0]: row[1] for row in reader}
    missing = [x for x in ids if x not in cluster]
    if missing:
        sys.exit(f"{pred}: no cluster for {len(missing):,} ids (first: {missing[0]!r})")
    labels = np.array([cluster[x] for x in ids], dtype=object)
    found = labels[ti] == labels[tj]
    inside = component[ti] == component[tj]
    total = len(ti)
    print(
        f"4. {pred.name}: found {int(found[inside].sum()):,} of {int(inside.sum()):,} pairs inside"
        f" strong components (recall {int(found[inside].sum()) / total:.4f} of the list),"
        f" {int(found[~inside].sum()):,} of {int((~inside).sum()):,} across them"
        f" (recall {int(found[~inside].sum()) / total:.4f})"
    )


if __name__ == "__main__":
    main()
