"""Time ``reports.disclosure.publish`` on tables of report sizes.

    .venv/bin/python -m bench.disclosure.run [--repeat 5]

Tables are random with many small counts (the hard case: many primary
cells to protect). Prints, per size, the median and worst wall time of
``publish`` with k=10 and how many values it hid; every run is checked
afterwards by the attack on a sample of hidden values. No database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from safepassage.reports.attack import attack_interval
from safepassage.reports.disclosure import Table, publish

SIZES = ((14, 12), (20, 10), (50, 20), (100, 30))
COUNTS = (0, 0, 1, 2, 3, 5, 8, 12, 20, 40, 100, 250)


def _table(rng: random.Random, rows: int, cols: int) -> Table:
    counts = [[rng.choice(COUNTS) for _ in range(cols)] for _ in range(rows)]
    return Table.from_rows([f"r{i}" for i in range(rows)], [f"c{j}" for j in range(cols)], counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(22)
    print(f"{'size':>8} {'median s':>9} {'worst s':>8} {'hidden':>7} {'of':>6}")
    for rows, cols in SIZES:
        times: list[float] = []
        hidden = 0
        for _ in range(args.repeat):
            table = _table(rng, rows, cols)
            start = time.perf_counter()
            published = publish(table, k=10)
            times.append(time.perf_counter() - start)
            hidden = published.suppressed_count
            grid = [(i, j) for i, row in enumerate(published.cells) for j, v in enumerate(row)]
            for i, j in [e for e in grid if published.cells[e[0]][e[1]] is None][:5]:
                low, high = attack_interval(published, i, j)
                assert high - low >= published.protection, (i, j, low, high)
        size = f"{rows}x{cols}"
        total = (rows + 1) * (cols + 1)
        print(f"{size:>8} {statistics.median(times):9.3f} {max(times):8.3f} {hidden:7d} {total:6d}")


if __name__ == "__main__":
    main()
