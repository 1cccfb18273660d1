"""Would one screening index built before gunicorn forks its workers be
shared by them? Copy-on-write keeps a page shared until a process writes
to it, and CPython writes an object's reference count whenever it touches
the object: each search privatises the pages of the records it reads.

Builds the in-memory index of the first N people of a generated list the
way the product does (collector paused, then frozen), forks two children
that each run searches, and prints each one's resident, proportional and
private memory (/proc/PID/smaps_rollup, MiB) after 1, 300 and 3,000
searches. Linux only.

Usage::

    .venv/bin/python bench/screening/fork_sharing.py \\
        --data var/bench/screening-1000000-2026 --people 300000
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHECKPOINTS = (1, 300, 3000)


def memory() -> dict[str, int]:
    """Rss, Pss, Private_Dirty of this process, in MiB."""
    wanted = {"Rss:", "Pss:", "Private_Dirty:"}
    out = {}
    with open(f"/proc/{os.getpid()}/smaps_rollup", encoding="ascii") as fh:
        for line in fh:
            parts = line.split()
            if parts[0] in wanted:
                out[parts[0][:-1]] = int(parts[1]) // 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of people.csv")
    parser.add_argument("--people", type=int, default=300_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from safepassage.core.collector import collector_paused, long_lived_freeze
    from safepassage.screening.index import ScreeningIndex
    from safepassage.screening.records import PersonRecord

    with (args.data / "people.csv").open(encoding="utf-8", newline="") as fh:
        rows = zip(range(args.people), csv.DictReader(fh), strict=False)
        records = [PersonRecord(**row) for _, row in rows]
    asked = [records[k] for k in random.Random(1).sample(range(len(records)), CHECKPOINTS[-1])]
    with collector_paused():
        index = ScreeningIndex(records, this_year=2026)
    long_lived_freeze()
    del records
    print(f"parent, {args.people:,} people indexed: {memory()}", flush=True)
    children = []
    for worker in range(2):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a worker
            os.close(read)
            started = time.perf_counter()
            for k, record in enumerate(asked, start=1):
                index.search(record)
                if k in CHECKPOINTS:
                    took = time.perf_counter() - started
                    line = f"worker {worker}, after {k:,} searches ({took:.1f} s): {memory()}\n"
                    os.write(write, line.encode())
            os._exit(0)
        os.close(write)
        children.append((pid, read))
    for pid, read in children:
        os.waitpid(pid, 0)
        with os.fdopen(read, encoding="utf-8") as fh:
            print(fh.read(), end="")


if __name__ == "__main__":
    main()
