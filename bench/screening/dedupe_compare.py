"""`dedupe_csv` of two checkouts side by side: same output, and how long.

Runs ``manage.py dedupe_csv`` of an old checkout and of this one on the
same list, alternating (old, new, old, new, ...), each in its own process,
and reports per run the wall time and the CPU time (user + sys) of the
process and its workers (`resource.getrusage(RUSAGE_CHILDREN)` before and
after: the pool workers are waited for by the command, so their time is
counted). Then compares the outputs (``--scores``, and the ``--report``)
byte for byte; exits 1 if any differ.

Usage::

    git archive <old commit> | tar -x -C var/old   # once
    .venv/bin/python bench/screening/dedupe_compare.py \\
        --old var/old --data var/bench/heldout-1000000-1 --runs 2

The load average is printed before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_one(
    checkout: Path, data: Path, out: Path, report: Path, workers: int
) -> tuple[float, float]:
    """(wall s, CPU s of the process tree) of one dedupe_csv run."""
    cmd = [
        sys.executable,
        str(checkout / "manage.py"),
        "dedupe_csv",
        str(data / "people.csv"),
        "--output",
        str(out),
        "--report",
        str(report),
        "--scores",
        "--workers",
        str(workers),
    ]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    env.setdefault("SAFEPASSAGE_VAR_DIR", str(ROOT / "var"))
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, cwd=checkout, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    return time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the old checkout")
    parser.add_argument("--new", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--data", type=Path, required=True, help="holds people.csv")
    parser.add_argument("--runs", type=int, default=1, help="runs of each, alternating")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    args.data = args.data.resolve()
    print(f"load before: {os.getloadavg()}", flush=True)
    outs: dict[str, list[Path]] = {"old": [], "new": []}
    for run in range(args.runs):
        for label, checkout in (("old", args.old.resolve()), ("new", args.new.resolve())):
            out = args.data / f"compare.{label}.{run}.csv"
            report = args.data / f"compare.{label}.{run}.report.csv"
            wall, cpu = run_one(checkout, args.data, out, report, args.workers)
            outs[label] += [out, report]
            print(
                f"{label}  run {run + 1}  wall {wall:6.1f} s  CPU {cpu:6.1f} s  "
                f"load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    print(f"load after: {os.getloadavg()}")
    first = outs["old"][:2]
    differ = [
        str(path)
        for paths in outs.values()
        for k, path in enumerate(paths)
        if not filecmp.cmp(first[k % 2], path, shallow=False)
    ]
    if differ:
        print("DIFFERENT from the old output:", *differ, sep="\n  ")
        sys.exit(1)
    print(f"identical: {len(outs['old']) + len(outs['new'])} files (outputs with scores, reports)")


if __name__ == "__main__":
    main()
