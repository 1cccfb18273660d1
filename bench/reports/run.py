"""Reports at scale (issue 22 §4): the dashboard and every report page,
exports, and the refresh after 1,000 changed cases; beside them, in the
same run, the naive aggregation over a per-case table and DuckDB over the
same rows.

    .venv/bin/python bench/reports/run.py --cases 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safepassage_x \\
        .venv/bin/python bench/reports/run.py --cases 1000000

A throw-away test database (and var dir, under var/test/p<pid>). The read
side is generated in bulk (bench/reports/generate.py): the count cubes as
the contributions would sum them, one contribution row per case. The
refresh side is real: `--dirty` cases made through the services
(encrypted), refreshed by the product's refresh, then every person's
township changed and refreshed again.

Pages are timed server-side through Django's test client (the whole
middleware stack, second factor, permissions) as a headquarters analyst,
after the product's refresh (and its publishing step, if it has one):
- "first": the first request of the page after that refresh;
- "cold": each request after clearing the process's caches of published
  tables (every dict in the reports modules named like `_BLOCKS`), i.e.
  the first view in a fresh worker after a refresh;
- "warm": repeated requests.
CPU: this process's CPU per request (time.process_time) and, on
PostgreSQL, the server backend's (from /proc/<backend pid>/stat).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench._django import create_test_database, destroy_test_database, setup_django  # noqa: E402

Figures = dict[str, float]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


class ServerCpu:
    """The PostgreSQL backend's CPU seconds (0 on SQLite: in-process)."""

    def __init__(self, connection) -> None:
        self.path: Path | None = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.path = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.tick = os.sysconf("SC_CLK_TCK")

    def __call__(self) -> float:
        if self.path is None:
            return 0.0
        try:
            fields = self.path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / self.tick


def measure(
    fn: Callable[[], object],
    samples: int,
    server: ServerCpu,
    before: Callable[[], object] | None = None,
) -> Figures:
    wall, cpu, srv = [], [], []
    for _ in range(samples):
        if before is not None:
            before()
        s0, c0, w0 = server(), time.process_time(), time.perf_counter()
        fn()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        srv.append((server() - s0) * 1000)
    ordered = sorted(wall)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "p50": pick(0.5),
        "p95": pick(0.95),
        "cpu": statistics.fmean(cpu),
        "server": statistics.fmean(srv),
        "n": samples,
    }


def once(fn: Callable[[], object], server: ServerCpu) -> Figures:
    return measure(fn, 1, server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--dirty", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=30, help="warm samples per page")
    parser.add_argument("--cold-samples", type=int, default=10)
    parser.add_argument("--refresh-only", action="store_true", help="stop after the refresh")
    parser.add_argument("--profile", default="", help="cProfile this page (name) cold, then stop")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    from safepassage.vault import keyring

    name = create_test_database()
    path = Path(settings.VAULT_KEYRING_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    keyring.keyring_create("benchmark passphrase", path=path)
    keyring.unlock("benchmark passphrase", path=path)
    started = time.process_time(), time.perf_counter()
    try:
        run(args)
    finally:
        print(
            f"\nwhole run: {time.perf_counter() - started[1]:.0f} s wall,"
            f" {time.process_time() - started[0]:.0f} s CPU (this process); {load()}"
        )
        destroy_test_database(name)
        csv = getattr(args, "facts_csv", None)
        if csv is not None:
            csv.unlink(missing_ok=True)


def caches_clear() -> list[str]:
    """Empty the reports app's in-process caches of published tables:
    every module-level dict named like a constant with a leading
    underscore (`_BLOCKS` today), so that the bench follows the product
    when those caches move or multiply."""
    import importlib
    import pkgutil

    import safepassage.reports as package

    cleared = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in ("tests", "migrations", "management"):
            continue
        module = importlib.import_module(f"safepassage.reports.{info.name}")
        for attr, value in vars(module).items():
            if attr.startswith("_") and attr.lstrip("_").isupper() and isinstance(value, dict):
                value.clear()
                cleared.append(f"{info.name}.{attr}")
    return cleared


def product_refresh() -> int:
    """The refresh the product's timer runs, then its publishing step if
    it has one as a separate service."""
    from safepassage.reports import services

    done = services.reports_refresh()
    for name in ("reports_publish", "publications_refresh", "reports_publications_refresh"):
        step = getattr(services, name, None)
        if step is not None:
            step()
    return done


def generate(args, units: list, connection) -> None:
    from django.db import transaction
    from django.utils import timezone

    from bench.reports import generate as gen
    from safepassage.reports import services

    today = timezone.localdate()
    unit_ids = [unit.pk for unit in units]
    key = services._contribution_key()
    t0, c0 = time.perf_counter(), time.process_time()
    f = gen.facts(args.cases)
    blocks = gen.cube_blocks(f, unit_ids, today)
    t1 = time.perf_counter()
    print(f"cubes summed by numpy: {t1 - t0:.1f} s")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        # A throw-away file: no sync while loading (WAL kept: loading with
        # no journal measured 734 s against 235 s, at a higher load).
        connection.connection.execute("PRAGMA synchronous=OFF")
        connection.connection.execute("PRAGMA cache_size=-262144")
    with transaction.atomic():
        rows = gen.cells_insert(connection, blocks)
    t2 = time.perf_counter()
    print(f"{rows:,} cube rows written: {t2 - t1:.1f} s")
    with transaction.atomic():
        gen.contributions_insert(connection, args.cases, key.pk, first_case=10_000_000)
    t3 = time.perf_counter()
    print(f"{args.cases:,} contribution rows written: {t3 - t2:.1f} s")
    columns = gen.case_facts_columns(f, unit_ids, today)
    with transaction.atomic():
        gen.case_facts_insert(connection, columns)
    t4 = time.perf_counter()
    print(f"{args.cases:,} per-case fact rows (naive side) written: {t4 - t3:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a load
            cursor.execute("ANALYZE")
    else:
        # The product's setting (config.settings.base.SQLITE_PRAGMAS).
        connection.connection.execute("PRAGMA synchronous=FULL")
    csv = Path(tempfile.mkstemp(suffix=".csv")[1])
    gen.case_facts_csv(columns, csv)
    args.facts_csv = csv
    del f, blocks, columns
    print(
        f"generated in {time.perf_counter() - t0:.0f} s wall,"
        f" {time.process_time() - c0:.0f} s CPU (this process); {load()}"
    )


def run(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from safepassage.accounts.roles import Role
    from safepassage.accounts.tests.factories import (
        HeadquartersFactory,
        UnitFactory,
        UserFactory,
        sign_in,
    )
    from safepassage.cases.models import Person
    from safepassage.reports.registry import REPORTS
    from safepassage.reports.tests.factories import person_case

    vendor = connection.vendor
    print(f"# reports bench: {args.cases:,} cases on {vendor}; {load()}")
    hq = HeadquartersFactory()
    units = [UnitFactory(name=f"Bench unit {n:02d}") for n in range(40)]
    generate(args, units, connection)
    server = ServerCpu(connection)
    results: list[tuple[str, Figures]] = []

    # The refresh side: real cases through the services, encrypted.
    t0 = time.perf_counter()
    townships = ["MMR013017", "MMR010004", "MMR001001", "MMR005003"]
    cases = [
        person_case(units[n % 40], township=townships[n % 4], sex=("male", "female")[n % 2])
        for n in range(args.dirty)
    ]
    print(f"made {len(cases)} real cases in {time.perf_counter() - t0:.0f} s; {load()}")
    counted: list[int] = []
    results.append(
        (
            f"refresh: {args.dirty:,} new real cases",
            once(lambda: counted.append(product_refresh()), server),
        )
    )
    for person in Person.objects.filter(case__in=cases):
        person.home_township = "MMR014001"
        person.save()
    if args.profile == "refresh":
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(product_refresh)
        print(f"## refresh of {args.dirty} changed cases")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        return
    results.append(
        (
            f"refresh: {args.dirty:,} changed cases (township moved)",
            once(lambda: counted.append(product_refresh()), server),
        )
    )
    print(f"refreshed {counted} cases; {load()}")
    if args.refresh_only:
        results_print(results, vendor, args)
        return

    analyst = UserFactory(unit=hq, roles=[Role.ANALYST])
    client = Client()
    sign_in(client, analyst)
    pages = [("dashboard", reverse("reports:dashboard"))]
    pages += [(r.name, reverse("reports:report", args=[r.name])) for r in REPORTS]
    print(f"cold clears: {', '.join(caches_clear()) or 'nothing (no in-process cache found)'}")

    def getter(url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    if args.profile:
        import cProfile
        import pstats

        url = dict(pages)[args.profile]
        getter(url)()
        for state in ("cold", "warm"):
            if state == "cold":
                caches_clear()
            profile = cProfile.Profile()
            profile.runcall(getter(url))
            print(f"## {args.profile} ({state})")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        return

    # The first view of every page after the refresh, before any other.
    for label, url in pages:
        results.append((f"page {label} (first after refresh)", once(getter(url), server)))
    print(f"first views done; {load()}")
    for label, url in pages:
        get = getter(url)
        results.append(
            (f"page {label} (cold)", measure(get, args.cold_samples, server, caches_clear))
        )
        with CaptureQueriesContext(connection) as queries:
            get()
        writes = sum(
            1
            for q in queries.captured_queries
            if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
        )
        print(f"{label} warm: {len(queries.captured_queries)} queries, {writes} writes")
        results.append((f"page {label} (warm)", measure(get, args.samples, server)))
    print(f"pages done; {load()}")

    for report, fmt in (("origin_category", "xlsx"), ("township", "xlsx"), ("township", "csv")):
        get = getter(reverse("reports:export", args=[report, fmt]))
        results.append((f"export {report} {fmt} (cold)", measure(get, 5, server, caches_clear)))
        results.append((f"export {report} {fmt} (warm)", measure(get, 5, server)))

    naive_and_duckdb(args, connection, server, results)
    results_print(results, vendor, args)


def results_print(results: list[tuple[str, Figures]], vendor: str, args) -> None:
    print(
        f"\n| measure ({vendor}, {args.cases:,} cases) | n | p50 ms | p95 ms"
        " | CPU ms | server CPU ms |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for label, fig in results:
        print(
            f"| {label} | {fig['n']} | {fig['p50']:.1f} | {fig['p95']:.1f}"
            f" | {fig['cpu']:.1f} | {fig['server']:.1f} |"
        )
    print(load())


def naive_and_duckdb(args, connection, server: ServerCpu, results) -> None:
    """Over the clear per-case table (which the product does not have: its
    facts are encrypted), the aggregations a page would need."""
    import datetime as dt

    from django.utils import timezone

    since = timezone.localdate() - dt.timedelta(days=365)
    month = (
        "strftime('%%Y-%%m', opened)"
        if connection.vendor == "sqlite"
        else ("to_char(opened, 'YYYY-MM')")
    )
    queries = {
        "origin by month": f"SELECT region, {month}, count(*) FROM bench_case_facts"  # noqa: S608
        " WHERE opened >= %s GROUP BY 1, 2",
        "age x sex x category x unit": "SELECT age, sex, category, unit_id, count(*)"
        " FROM bench_case_facts WHERE opened >= %s GROUP BY 1, 2, 3, 4",
    }
    for label, sql in queries.items():

        def naive(sql: str = sql) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [since])
                cursor.fetchall()

        results.append((f"naive SQL over a per-case table: {label}", measure(naive, 5, server)))
    try:
        import duckdb
    except ImportError:
        print("duckdb not installed (bench group: .venv/bin/uv sync --inexact --group bench)")
        args.facts_csv.unlink(missing_ok=True)
        return
    db = duckdb.connect()
    start = time.perf_counter()
    path = str(args.facts_csv)  # from mkstemp: no quote in it
    assert "'" not in path
    db.execute(f"CREATE TABLE facts AS SELECT * FROM read_csv_auto('{path}')")  # noqa: S608
    print(f"duckdb loaded the same rows from CSV in {time.perf_counter() - start:.1f} s")
    duck_queries = {
        "origin by month": "SELECT region, strftime(opened, '%Y-%m'), count(*) FROM facts"
        " WHERE opened >= ? GROUP BY 1, 2",
        "age x sex x category x unit": "SELECT age, sex, category, unit_id, count(*) FROM facts"
        " WHERE opened >= ? GROUP BY 1, 2, 3, 4",
    }
    for label, sql in duck_queries.items():

        def duck(sql: str = sql) -> None:
            db.execute(sql, [since]).fetchall()

        duck()
        results.append((f"DuckDB over the same rows: {label}", measure(duck, 10, server)))
    args.facts_csv.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
