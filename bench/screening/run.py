"""Screening benchmarks, side by side in one run.

(a) Screening one person against N people: p50/p95 latency of
    `ScreeningIndex.search` (in-process, in-memory index; build time and
    memory reported) against brute-force rapidfuzz (`fuzz.ratio` of the
    typed name against every name, top 10).
(b) De-duplicating the N-row CSV: `manage.py dedupe_csv` against Splink 5 on
    DuckDB (bench/screening/splink_peer.py), each in its own process, wall
    time and peak memory (the whole process tree, sampled), pairwise
    precision, recall and F1 against the generator's labels.

Install the peers once (not part of `make install`)::

    .venv/bin/uv sync --inexact --group bench

Usage::

    .venv/bin/python bench/screening/run.py --rows 1000000 --seed 2026
    .venv/bin/python bench/screening/run.py --rows 20000 --seed 7 --skip-splink
    .venv/bin/python bench/screening/run.py --data var/bench/heldout-1000000-1

The data set is generated into var/bench/screening-<rows>-<seed>/ if it is
not there yet (invented people, bench/screening/generate.py).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PY = sys.executable


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of `pid` and all its descendants."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(cmd: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak tree RSS bytes, stdout) of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode}):\n{err[-3000:]}")
    return elapsed, peak, out.strip()


def rss() -> int:
    return _tree_rss(os.getpid())


def screening(data: Path, queries: int, brute: int) -> dict[str, float]:
    """Part (a), in this process."""
    from bench._django import setup_django

    setup_django()
    from rapidfuzz import fuzz, process

    from safepassage.core.collector import collector_paused, long_lived_freeze
    from safepassage.screening.index import ScreeningIndex
    from safepassage.screening.records import PersonRecord

    with (data / "people.csv").open(encoding="utf-8", newline="") as fh:
        records = [PersonRecord(**row) for row in csv.DictReader(fh)]
    rng = random.Random(1)
    held = set(rng.sample(range(len(records)), queries))
    people = [r for i, r in enumerate(records) if i not in held]
    asked = [records[i] for i in sorted(held)]
    del records
    before = rss()
    start = time.perf_counter()
    # As the product builds it (cases/screening.py): collector paused, then
    # the index frozen out of later collections.
    with collector_paused():
        index = ScreeningIndex(people, this_year=2026)
    long_lived_freeze()
    build = time.perf_counter() - start
    memory = rss() - before
    latencies = []
    for record in asked:
        t = time.perf_counter()
        index.search(record, limit=10)
        latencies.append(time.perf_counter() - t)
    names = [r.name or r.name_my for r in people]
    brute_lat = []
    for record in asked[:brute]:
        t = time.perf_counter()
        process.extract(record.name or record.name_my, names, scorer=fuzz.ratio, limit=10)
        brute_lat.append(time.perf_counter() - t)

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] * 1000

    return {
        "people": len(people),
        "queries": len(asked),
        "build_s": build,
        "index_mb": memory / 2**20,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": p95(latencies),
        "brute_queries": len(brute_lat),
        "brute_p50_ms": statistics.median(brute_lat) * 1000,
        "brute_p95_ms": p95(brute_lat),
    }


def calibration() -> float:
    """Seconds for 10,000,000 pure-Python additions: how fast this machine
    runs Python today (machines of one kind differ by half from day to day),
    to compare figures taken on different days."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--brute-queries", type=int, default=50)
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--skip-screening", action="store_true")
    parser.add_argument("--workers", type=int, default=0, help="dedupe_csv --workers")
    parser.add_argument(
        "--data",
        type=Path,
        help="a folder of people.csv and labels.csv made elsewhere (bench/screening/heldout.py)",
    )
    args = parser.parse_args()

    from bench.screening.evaluate import pairwise_scores, read_labels

    data = args.data or ROOT / "var" / "bench" / f"screening-{args.rows}-{args.seed}"
    if args.data is not None and not (data / "labels.csv").exists():
        raise SystemExit(f"{data}: no labels.csv there")
    if not (data / "labels.csv").exists():
        t = time.perf_counter()
        subprocess.run(  # noqa: S603
            [
                PY,
                str(ROOT / "bench/screening/generate.py"),
                "--rows",
                str(args.rows),
                "--seed",
                str(args.seed),
                "--out",
                str(data),
            ],
            check=True,
        )
        print(f"generated {args.rows:,} rows in {time.perf_counter() - t:.0f}s: {data}")
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f} at start, calibration {calibration():.2f} s"
    )
    truth = read_labels(data / "labels.csv", "person")
    rows = len(truth)
    print(f"# data {data}")

    out = data / "dedupe_csv.out.csv"
    wall, peak, text = measure(
        [
            PY,
            str(ROOT / "manage.py"),
            "dedupe_csv",
            str(data / "people.csv"),
            "--output",
            str(out),
            "--report",
            str(data / "dedupe_csv.report.csv"),
            "--workers",
            str(args.workers),
        ]
    )
    s = pairwise_scores(truth, read_labels(out, "cluster"))
    print(
        f"dedupe_csv   {rows:>9,} rows  {wall:6.1f} s  peak {peak / 2**30:.2f} GB  "
        f"P {s['precision']:.4f}  R {s['recall']:.4f}  F1 {s['f1']:.4f}  ({text})"
    )
    if not args.skip_splink:
        out = data / "splink.out.csv"
        wall, peak, text = measure(
            [
                PY,
                str(ROOT / "bench/screening/splink_peer.py"),
                str(data / "people.csv"),
                "--output",
                str(out),
            ]
        )
        s = pairwise_scores(truth, read_labels(out, "cluster"))
        print(
            f"splink 5     {rows:>9,} rows  {wall:6.1f} s  peak {peak / 2**30:.2f} GB  "
            f"P {s['precision']:.4f}  R {s['recall']:.4f}  F1 {s['f1']:.4f}  ({text})"
        )
    print(f"load {os.getloadavg()[0]:.2f} after (b)")
    if not args.skip_screening:
        r = screening(data, args.queries, args.brute_queries)
        print(
            f"screen one   against {r['people']:,}: index build {r['build_s']:.1f} s, "
            f"+{r['index_mb']:.0f} MB; search p50 {r['p50_ms']:.2f} ms, "
            f"p95 {r['p95_ms']:.2f} ms ({r['queries']} queries)"
        )
        print(
            f"brute force  rapidfuzz ratio top 10 over {r['people']:,} names: "
            f"p50 {r['brute_p50_ms']:.1f} ms, p95 {r['brute_p95_ms']:.1f} ms "
            f"({r['brute_queries']} queries)"
        )
    print(f"load {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
