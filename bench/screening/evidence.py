"""What evidence the true pairs of a labelled list carry: a ceiling on recall.

For every pair of records the labels put together, which fields agree
beyond the name: the father's name (same key), the date of birth (more
than a shared year: exact, swapped, year and month, or one year apart with
the same day and month), the NRC (same, same number, or one digit off),
the phone. A true pair with none of these shares at most a name, a
township and a birth year; among namesakes of one township, nothing in the
record tells it from two different people, so no matcher that keeps its
precision finds it. The share of such pairs bounds the recall of any
matcher on the list.

With ``--pred``, the recall within each class, and the predicted pairs
(every pair of rows in one predicted cluster) split the same way, with
their precision: what each kind of decision costs. A pair of the weak
classes is decided on a name, a township and a birth year alone; its
precision there says whether finding more of them is worth the false
matches.

Usage::

    .venv/bin/python bench/screening/evidence.py --data var/bench/screening-1000000-2026 \
        [--pred OUT.csv]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from safepassage.screening.batch import Coded

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of people.csv, labels.csv")
    parser.add_argument("--pred", type=Path, help="dedupe_csv output file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

    from safepassage.screening import batch

    rows, person = read_labelled(args.data)
    coded = batch.code_rows(rows, this_year=2026)
    groups: dict[str, list[int]] = defaultdict(list)
    for k, label in enumerate(person):
        groups[label].append(k)
    i, j = _pairs_within(groups.values())
    classes = _classes(coded, i, j)
    found = None
    predicted = None
    if args.pred:
        with args.pred.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            cluster = dict(reader)
        missing = [row[0] for row in rows if row[0] not in cluster]
        if missing:
            sys.exit(f"{args.pred}: no cluster for {len(missing):,} ids (first: {missing[0]!r})")
        labels = np.array([cluster[row[0]] for row in rows], dtype=object)
        found = labels[i] == labels[j]
        clusters: dict[str, list[int]] = defaultdict(list)
        for k, label in enumerate(labels.tolist()):
            clusters[label].append(k)
        pi, pj = _pairs_within(clusters.values())
        truth = np.array(person, dtype=object)
        predicted = (_classes(coded, pi, pj), truth[pi] == truth[pj])
    total = len(i)
    print(f"true pairs: {total:,}" + ("   (found: recall within the class)" if args.pred else ""))
    for label, mask in classes:
        line = f"{label:58s} {int(mask.sum()):9,d}  {_mean(mask):.4f}"
        if found is not None:
            line += f"   found {_mean(found[mask]):.4f}"
        print(line)
    if predicted is not None:
        pclasses, correct = predicted
        print(f"predicted pairs: {len(correct):,}   (precision within the class)")
        for label, mask in pclasses:
            print(f"{label:58s} {int(mask.sum()):9,d}  precision {_mean(correct[mask]):.4f}")


def read_labelled(data: Path) -> tuple[list[list[str]], list[str]]:
    """The rows of `data`/people.csv (cells stripped, no header) and the
    person of each from `data`/labels.csv."""
    with (data / "people.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = [[cell.strip() for cell in row] for row in reader]
    with (data / "labels.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        labels = [label for _, label in reader]
    return rows, labels


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else 0.0


def _pairs_within(groups: Iterable[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j) of rows in one group."""
    first, second = [], []
    for members in groups:
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                first.append(members[a])
                second.append(members[b])
    return np.array(first, dtype=np.int64), np.array(second, dtype=np.int64)


def agreements(
    coded: Coded, i: np.ndarray, j: np.ndarray, *, dates: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the pairs whose father's name (same key), date of birth
    (beyond the year), NRC and phone agree: evidence beyond a name, a
    township and a birth year."""
    from safepassage.screening import batch
    from safepassage.screening.dates import DateMatch
    from safepassage.screening.engine import DATE_WEIGHTS

    if dates is None:
        dates = batch._date_weights(coded, i, j)
    father = (coded.father[i] >= 0) & (coded.father[i] == coded.father[j])
    date = dates > DATE_WEIGHTS[DateMatch.YEAR]
    nrc = batch._nrc_weights(coded, i, j) > 0
    phone = (coded.phone[i] >= 0) & (coded.phone[i] == coded.phone[j])
    return father, date, nrc, phone


def _classes(coded: Coded, i: np.ndarray, j: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(label, mask over the pairs) of each evidence class, in print order."""
    from safepassage.screening import batch
    from safepassage.screening.dates import DateMatch
    from safepassage.screening.engine import DATE_WEIGHTS

    dates = batch._date_weights(coded, i, j)
    father, date, nrc, phone = agreements(coded, i, j, dates=dates)
    year = dates == DATE_WEIGHTS[DateMatch.YEAR]
    township = (coded.township[i] >= 0) & (coded.township[i] == coded.township[j])
    none = ~(father | date | nrc | phone)
    return [
        ("father's name agrees", father),
        ("date of birth agrees (more than the year)", date),
        ("NRC agrees", nrc),
        ("phone agrees", phone),
        ("none of these: a name, township and birth year at most", none),
        ("  ... of which the birth year agrees", none & year),
        ("  ... of which nothing but a name and a township", none & ~year),
        ("  ... of which the township agrees (the year or not)", none & township),
    ]


if __name__ == "__main__":
    main()
