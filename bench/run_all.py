"""`make bench`: the benchmarks that need nothing prepared, one after another.

Each prints its figures; docs/benchmarks.md records them with their date
and commit. The two that need a large prepared data set are not run
here; their commands are printed at the end (and in docs/benchmarks.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUICK = [
    ["bench/vault/bench_vault.py", "--rows", "5000"],
    ["bench/vault/bench_blind_index_rotation.py", "--rows", "5000"],
    ["bench/audit/bench_audit.py", "--events", "10000"],
    ["bench/language/accuracy.py"],
    ["bench/pages/weight.py"],
]
PREPARED = """
Not run here (they need a large data set first; see docs/benchmarks.md):
  case pages, 1,000,000 cases:   seed with `manage.py seed_demo --cases 1000000`, then
                                 .venv/bin/python bench/cases/run.py
  screening, 1,000,000 people:   .venv/bin/python bench/screening/run.py --help
  reintegration pages:           .venv/bin/python bench/reintegration/run.py --cases 50000
                                 (builds its own throw-away database first)
"""


def main() -> int:
    failed = []
    for script, *args in QUICK:
        print(f"\n== {script} {' '.join(args)}", flush=True)
        result = subprocess.run([sys.executable, script, *args], cwd=ROOT, check=False)  # noqa: S603
        if result.returncode:
            failed.append(script)
    print(PREPARED)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
