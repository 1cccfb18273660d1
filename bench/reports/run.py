"""Reports at scale: every report page and the dashboard, an export, and a
refresh after 1,000 changed cases; beside them the naive ORM aggregation
and DuckDB over the same data.

    .venv/bin/python bench/reports/run.py --cases 1000000 [--samples 40]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python ...

Builds a throw-away test database. The read side is generated in bulk,
not through the vault: `--cases` invented cases become the count cubes
(`ReportCell`, computed here with numpy exactly as the contributions would
sum), one `ReportContribution` row per case (cells NULL), and, for the
naive and DuckDB comparisons only, a clear per-case fact table
(`bench_case_facts`, which the product does not have). The refresh side
uses `--dirty` real cases made through the services (encrypted), marked
dirty, refreshed, changed, refreshed again.

Pages are timed server-side through Django's test client (the whole
middleware stack, second factor, permissions) as a headquarters analyst:
"cold" clears the in-process cache of published tables before each
request (every table built from the cubes and published again, the LP
verification included), "warm" does not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench._django import create_test_database, destroy_test_database, setup_django  # noqa: E402

UNITS = 40
DAYS = 730


def pct(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": pick(0.5), "p95": pick(0.95), "mean": statistics.fmean(ordered)}


def timed(fn, samples: int, before=None) -> dict[str, float]:
    fn()
    out = []
    for _ in range(samples):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return pct(out)


def facts(n: int, seed: int = 22):
    import numpy as np

    rng = np.random.default_rng(seed)
    return {
        "unit": rng.integers(0, UNITS, n),
        "day": rng.integers(0, DAYS, n),
        "region": rng.zipf(1.6, n) % 15,
        "township": rng.zipf(1.3, n) % 330,
        "category": rng.choice(5, n, p=[0.5, 0.3, 0.12, 0.05, 0.03]),
        "stage": rng.integers(0, 3, n),
        "age": rng.choice(
            11, n, p=[0.1, 0.3, 0.25, 0.15, 0.08, 0.05, 0.03, 0.02, 0.01, 0.005, 0.005]
        ),
        "sex": rng.choice(3, n, p=[0.9, 0.09, 0.01]),
        "rank": rng.integers(0, 5, n),
        "army_type": rng.integers(0, 6, n),
        "army_number": rng.zipf(1.4, n) % 500 + 1,
        "reached": rng.integers(1, 8, n),  # how many flow stages reached
    }


CATEGORIES = ["conscript", "soldier", "police", "other", "unknown"]
STAGES = ["in_training", "deployed", "other"]
SEXES = ["male", "female", "other"]
RANKS = ["private", "nco", "officer", "police_constable", "police_officer"]
ARMY = ["lib", "ib", "moc", "rc", "police", "other"]
FLOW = ["contacted", "handed_over", "received", "screened", "pathway", "plan", "plan_completed"]


def cube_rows(f, unit_ids: list[int], today: dt.date):
    """The cubes as the contributions would sum them, by numpy."""
    import numpy as np

    from safepassage.reports.rollups import month_start, week_start

    days = np.array([today - dt.timedelta(days=int(d)) for d in range(DAYS)])
    week_of = np.array([week_start(d) for d in days])
    month_of = np.array([month_start(d) for d in days])

    weeks = sorted(set(week_of.tolist()))
    months = sorted(set(month_of.tolist()))
    week_index = np.array([weeks.index(w) for w in week_of])
    month_index = np.array([months.index(m) for m in month_of])

    def emit(cube: str, key_codes, key_labels, day_index, unit_index):
        out = []
        for kind, index, starts in (
            ("week", week_index, weeks),
            ("month", month_index, months),
        ):
            periods = len(starts)
            slot = key_codes.astype(np.int64) * periods + index[day_index]
            combined = slot * UNITS + unit_index
            values, counts = np.unique(combined, return_counts=True)
            for value, count in zip(values.tolist(), counts.tolist(), strict=True):
                unit = value % UNITS
                period = (value // UNITS) % periods
                key = key_labels(value // UNITS // periods)
                out.append((cube, kind, starts[period], unit_ids[unit], key, count))
        return out

    rows = []
    u, d = f["unit"], f["day"]
    region = lambda c: f"MMR{c + 1:03d}"  # noqa: E731
    rows += emit(
        "origin",
        f["region"] * 5 + f["category"],
        lambda c: f"region={region(c // 5)}|category={CATEGORIES[c % 5]}",
        d,
        u,
    )
    rows += emit(
        "township", f["township"], lambda c: f"township=MMR{c // 30 + 1:03d}{c % 30 + 1:03d}", d, u
    )
    rows += emit(
        "who",
        f["category"] * 3 + f["stage"],
        lambda c: f"category={CATEGORIES[c // 3]}|stage={STAGES[c % 3]}",
        d,
        u,
    )
    rows += emit(
        "age_sex",
        f["age"] * 3 + f["sex"],
        lambda c: f"age={15 + 5 * (c // 3)}-{19 + 5 * (c // 3)}|sex={SEXES[c % 3]}",
        d,
        u,
    )
    rows += emit(
        "rank",
        f["rank"] * 5 + f["category"],
        lambda c: f"rank={RANKS[c // 5]}|category={CATEGORIES[c % 5]}",
        d,
        u,
    )
    rows += emit("army_type", f["army_type"], lambda c: f"army_type={ARMY[c]}", d, u)
    rows += emit(
        "army_unit",
        f["army_type"] * 1000 + f["army_number"],
        lambda c: f"army_unit={ARMY[c // 1000]}-{c % 1000}",
        d,
        u,
    )
    for s, stage in enumerate(FLOW):
        mask = f["reached"] > s
        later = np.maximum(d[mask] - 3 * s, 0)
        rows += emit(
            "flow",
            np.zeros(mask.sum(), dtype=np.int64),
            lambda c, stage=stage: f"stage={stage}",
            later,
            u[mask],
        )
    weapons = f["army_number"] % 3 == 0
    rows += emit(
        "weapons",
        (f["rank"][weapons] * 4 + f["stage"][weapons]),
        lambda c: (
            f"kind={['rifle', 'pistol', 'ammunition', 'grenade', 'other'][c // 4]}"
            f"|calibre={['5.56', '7.62', '9mm', 'unknown'][c % 4]}"
        ),
        d[weapons],
        u[weapons],
    )
    planned = f["reached"] >= 6
    rows += emit(
        "plans",
        f["stage"][planned],
        lambda c: f"state={['active', 'completed', 'lost'][c]}",
        d[planned],
        u[planned],
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--dirty", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=40)
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
    try:
        run(args)
    finally:
        destroy_test_database(name)


def run(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from safepassage.accounts.roles import Role
    from safepassage.accounts.tests.factories import (
        HeadquartersFactory,
        UnitFactory,
        UserFactory,
        sign_in,
    )
    from safepassage.reports import selectors, services
    from safepassage.reports.models import ReportCell, ReportContribution
    from safepassage.reports.registry import REPORTS
    from safepassage.reports.tests.factories import person_case

    vendor = connection.vendor
    print(f"# reports bench: {args.cases:,} cases on {vendor}")
    hq = HeadquartersFactory()
    units = [UnitFactory(name=f"Bench unit {n:02d}") for n in range(UNITS)]
    today = timezone.localdate()

    t0 = time.perf_counter()
    f = facts(args.cases)
    rows = cube_rows(f, [unit.pk for unit in units], today)
    ReportCell.objects.bulk_create(
        (
            ReportCell(cube=c, period_kind=k, period_start=s, unit_id=u, key=key, count=n)
            for c, k, s, u, key, n in rows
        ),
        batch_size=5000,
    )
    key = services._contribution_key()
    with connection.cursor() as cursor:
        table = ReportContribution._meta.db_table
        batch = []
        import uuid

        for case_id in range(10_000_000, 10_000_000 + args.cases):
            batch.append(
                (
                    str(uuid.uuid4()) if vendor == "postgresql" else uuid.uuid4().hex,
                    str(key.pk) if vendor == "postgresql" else key.pk.hex,
                    case_id,
                    None,
                    False,
                    1,
                )
            )
            if len(batch) == 20_000:
                cursor.executemany(
                    f"INSERT INTO {table} (vault_id, data_key_id, case_id, cells, dirty, version)"  # noqa: S608
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    batch,
                )
                batch = []
        if batch:
            cursor.executemany(
                f"INSERT INTO {table} (vault_id, data_key_id, case_id, cells, dirty, version)"  # noqa: S608
                " VALUES (%s, %s, %s, %s, %s, %s)",
                batch,
            )
        # The naive side's per-case table (the product keeps none).
        cursor.execute(
            "CREATE TABLE bench_case_facts (unit_id integer, opened date, region text,"
            " category text, sex text, age integer)"
        )
        facts_rows = [
            (
                units[int(f["unit"][i])].pk,
                today - dt.timedelta(days=int(f["day"][i])),
                f"MMR{int(f['region'][i]) + 1:03d}",
                CATEGORIES[int(f["category"][i])],
                SEXES[int(f["sex"][i])],
                int(f["age"][i]),
            )
            for i in range(args.cases)
        ]
        for start in range(0, len(facts_rows), 20_000):
            cursor.executemany(
                "INSERT INTO bench_case_facts VALUES (%s, %s, %s, %s, %s, %s)",
                facts_rows[start : start + 20_000],
            )
    services.ReportState.objects.filter(pk=1).update(refreshed_at=timezone.now())
    print(
        f"generated {ReportCell.objects.count():,} cube rows and {args.cases:,} contributions"
        f" in {time.perf_counter() - t0:.0f} s"
    )

    analyst = UserFactory(unit=hq, roles=[Role.ANALYST])
    client = Client()
    sign_in(client, analyst)
    results: list[tuple[str, dict[str, float]]] = []
    clear = selectors._BLOCKS.clear
    pages = [("dashboard", reverse("reports:dashboard"))]
    pages += [(r.name, reverse("reports:report", args=[r.name])) for r in REPORTS]
    for label, url in pages:

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        results.append((f"page {label} (cold)", timed(get, args.samples, before=clear)))
        results.append((f"page {label} (warm)", timed(get, args.samples)))

    def export():
        response = client.get(reverse("reports:export", args=["origin_category", "xlsx"]))
        assert response.status_code == 200

    results.append(("export origin_category xlsx (cold)", timed(export, 5, before=clear)))

    # The naive aggregation and DuckDB, over the per-case facts.
    since = today - dt.timedelta(days=365)

    def naive():
        with connection.cursor() as cursor:
            month = (
                "strftime('%%Y-%%m', opened)"
                if vendor == "sqlite"
                else "to_char(opened, 'YYYY-MM')"
            )
            cursor.execute(
                f"SELECT region, {month}, count(*) FROM bench_case_facts"  # noqa: S608
                " WHERE opened >= %s GROUP BY 1, 2",
                [since],
            )
            cursor.fetchall()

    results.append(("naive aggregation: origin by month", timed(naive, 5)))

    def naive_heavy():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT age, sex, category, unit_id, count(*) FROM bench_case_facts"
                " WHERE opened >= %s GROUP BY 1, 2, 3, 4",
                [since],
            )
            cursor.fetchall()

    results.append(("naive aggregation: age x sex x category x unit", timed(naive_heavy, 5)))

    try:
        import duckdb
        import numpy as np
        import pyarrow as pa

        db = duckdb.connect()
        facts_table = pa.table(
            {
                "region": np.array([f"MMR{int(r) + 1:03d}" for r in f["region"]]),
                "day": f["day"],
                "age": f["age"],
                "sex": f["sex"],
                "category": f["category"],
                "unit": f["unit"],
            }
        )
        db.register("facts", facts_table)

        def duck():
            db.execute(
                "SELECT region, day // 30 AS m, count(*) FROM facts WHERE day < 365 GROUP BY 1, 2"
            ).fetchall()

        results.append(("duckdb: origin by month", timed(duck, 10)))

        def duck_heavy():
            db.execute(
                "SELECT age, sex, category, unit, count(*) FROM facts WHERE day < 365"
                " GROUP BY 1, 2, 3, 4"
            ).fetchall()

        results.append(("duckdb: age x sex x category x unit", timed(duck_heavy, 10)))
    except ImportError:
        print("duckdb not installed: .venv/bin/uv sync --inexact --group bench")

    # The refresh after changed real cases.
    t0 = time.perf_counter()
    place = units[0]
    cases = [person_case(place, township="MMR013017") for _ in range(args.dirty)]
    print(f"made {len(cases)} real cases in {time.perf_counter() - t0:.0f} s")
    start = time.perf_counter()
    refreshed = services.reports_refresh()
    first = (time.perf_counter() - start) * 1000
    from safepassage.cases.models import Person

    for person in Person.objects.filter(case__in=cases):
        person.home_township = "MMR014001"
        person.save()
    start = time.perf_counter()
    changed = services.reports_refresh()
    second = (time.perf_counter() - start) * 1000
    results.append((f"refresh: {refreshed} new cases", {"p50": first, "p95": first, "mean": first}))
    results.append(
        (f"refresh: {changed} changed cases", {"p50": second, "p95": second, "mean": second})
    )

    print(f"\n| measure ({vendor}, {args.cases:,} cases) | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for label, figures in results:
        print(f"| {label} | {figures['p50']:.1f} | {figures['p95']:.1f} |")


if __name__ == "__main__":
    main()
