"""Queries per signed-in request: what every page pays before its view runs.

Signs in the benchmark's unit handler (as bench/cases/run.py does), warms
the session with one request, then captures the queries of the next
requests to a page with `django.test.utils.CaptureQueriesContext` and
prints each query's table and the in-process time. Run it at two commits
against the same database to compare:

    export SAFEPASSAGE_VAR_DIR=$VAR SAFEPASSAGE_PASSPHRASE_FILE=$VAR/pass
    .venv/bin/python bench/cases/queries.py [--path /cases/list/] [--samples 300]

Prints the wall time and this process's CPU time per request too. Reads
and writes nothing but audit events and sessions.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

_FROM = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([a-z_0-9]+)"?', re.IGNORECASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/cases/list/")
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.cases.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.cases.run import signed_in_client
    from safepassage.accounts.models import User
    from safepassage.vault import keyring

    if not keyring.try_unlock_from_environment():
        raise SystemExit("Key ring locked: set SAFEPASSAGE_PASSPHRASE_FILE.")
    user = (
        User.objects.filter(groups__name="unit_handler", is_active=True)
        .order_by("username")
        .first()
    )
    if user is None:
        raise SystemExit("No demo unit handler: run seed_demo first.")
    client = signed_in_client(user)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (the developer's git)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"# queries per request, commit {commit or '(no git)'}, {connection.vendor}, "
        f"session engine {settings.SESSION_ENGINE}"
    )
    assert client.get(args.path).status_code == 200  # warm: session, copies
    with CaptureQueriesContext(connection) as one:
        response = client.get(args.path)
    assert response.status_code == 200, response.status_code
    print(f"# GET {args.path}: {len(one.captured_queries)} queries")
    for query in one.captured_queries:
        tables = ", ".join(dict.fromkeys(_FROM.findall(query["sql"]))) or query["sql"][:40]
        print(f"  {float(query['time']) * 1000:6.2f} ms  {tables}")
    # Wall time swings with whatever else the machine runs; the CPU time
    # of this process (which, on SQLite, includes the database's work) is
    # the steadier figure of what a request costs.
    times, cpu = [], []
    for _ in range(args.samples):
        t, c = time.perf_counter(), time.process_time()
        client.get(args.path)
        cpu.append((time.process_time() - c) * 1000)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    cpu.sort()
    print(
        f"# in process over {args.samples} requests: wall p50 {statistics.median(times):.2f} ms, "
        f"p95 {times[int(0.95 * len(times))]:.2f} ms; CPU p50 {statistics.median(cpu):.2f} ms, "
        f"mean {statistics.fmean(cpu):.2f} ms"
    )


if __name__ == "__main__":
    main()
