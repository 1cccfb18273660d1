"""Pairwise precision, recall and F1 of a clustering against labels.

A pair of records is a true positive when both the prediction and the
labels put them together. Counts come from the contingency table, so
1,000,000 rows take seconds, not the square of them.

Usage::

    # judge an existing output of dedupe_csv (or of any peer):
    .venv/bin/python bench/screening/evaluate.py --labels DIR/labels.csv --pred OUT.csv
    # run the engine in-process on DIR/people.csv and judge it:
    .venv/bin/python bench/screening/evaluate.py --data DIR
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def pairs(counts: Counter[object]) -> int:
    return sum(c * (c - 1) // 2 for c in counts.values())


def pairwise_scores(truth: dict[str, str], pred: dict[str, str]) -> dict[str, float]:
    """precision, recall, f1 and the pair counts; ids missing in `pred` are singletons."""
    together = Counter((pred.get(i, "\0" + i), t) for i, t in truth.items())
    tp = pairs(together)
    predicted = pairs(Counter(pred.get(i, "\0" + i) for i in truth))
    actual = pairs(Counter(truth.values()))
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": actual,
        "predicted_pairs": predicted,
        "true_positive_pairs": tp,
        "missing_ids": sum(1 for i in truth if i not in pred),
    }


def read_labels(path: Path, column: str) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["id"]: row[column] for row in csv.DictReader(fh)}


def run_engine(data: Path, workers: int = 0) -> tuple[dict[str, str], float, int]:
    from bench._django import setup_django

    setup_django()
    from safepassage.screening.dedupe import dedupe_rows, default_workers

    start = time.perf_counter()
    with (data / "people.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = list(reader)
    result = dedupe_rows(rows, this_year=2026, workers=workers or default_workers())
    elapsed = time.perf_counter() - start
    pred = {i: result.ids[c] for i, c in zip(result.ids, result.clusters, strict=True)}
    return pred, elapsed, result.pairs_scored


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path)
    parser.add_argument("--labels", type=Path)
    parser.add_argument("--pred", type=Path)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    args = parser.parse_args()
    labels_path = args.labels or args.data / "labels.csv"
    truth = read_labels(labels_path, "person")
    if args.pred:
        pred = read_labels(args.pred, "cluster")
        extra = ""
    else:
        pred, elapsed, scored = run_engine(args.data, args.workers)
        extra = f" time={elapsed:.1f}s pairs_scored={scored}"
    s = pairwise_scores(truth, pred)
    print(
        f"rows={len(truth)} precision={s['precision']:.4f} recall={s['recall']:.4f} "
        f"f1={s['f1']:.4f} true_pairs={s['true_pairs']} predicted_pairs={s['predicted_pairs']} "
        f"missing_ids={s['missing_ids']}{extra}"
    )


if __name__ == "__main__":
    main()
