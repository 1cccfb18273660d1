"""Screening inside the product: the panel's index built from the vault, and
the panel page's server time, on a seeded database.

Runs against the database the environment names (seeded with
`seed_demo --cases N`, as for bench/cases/run.py), never a test database:

    export SAFEPASSAGE_VAR_DIR=... SAFEPASSAGE_PASSPHRASE_FILE=... [DATABASE_URL=...]
    .venv/bin/python bench/screening/panel.py [--samples 200]

1. Build: the first screening in a process decrypts every registered
   person (and phone) from the vault into the in-memory index
   (`safepassage.cases.screening.index`); wall time and the growth of the
   process's resident memory.
2. The panel page (`/cases/<code>/screening/`) for random cases of the
   largest unit with a screening officer, through the whole middleware
   stack: decrypting the screened person, the index's refresh query,
   search and reasons, watch-list hits, the audit events, the template.
   p50/p95/p99 after a warm-up.
3. The screening's steps timed one by one (``part:`` rows), to show where
   its time goes.

Writes nothing but audit events and a session.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.cases.run import percentiles, signed_in_client, timed  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.cases.settings"
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from safepassage.accounts.models import User
    from safepassage.cases.models import Case, Person
    from safepassage.cases.screening import selectors as screening_selectors
    from safepassage.cases.screening.index import ScreeningIndexNotReady, screening_index
    from safepassage.vault import keyring

    if not keyring.try_unlock_from_environment():
        raise SystemExit("Key ring locked: set SAFEPASSAGE_PASSPHRASE_FILE.")
    officers = User.objects.filter(
        groups__name="screening_officer", is_active=True, unit__is_headquarters=False
    )
    sizes = dict(
        Case.objects.filter(unit__in=officers.values("unit"), person__isnull=False)
        .values_list("unit")
        .annotate(n=Count("id"))
        .order_by()
    )
    if not sizes:
        raise SystemExit("No registered people in a unit with a screening officer.")
    unit_id = max(sizes, key=lambda k: sizes[k])
    officer = officers.filter(unit_id=unit_id).order_by("username").first()
    people = Person.objects.count()

    print(f"# screening panel benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(
        f"# {connection.vendor}; {os.cpu_count()} CPUs; load average "
        f"{os.getloadavg()[0]:.2f}; {people:,} registered people; "
        f"the measured unit holds {sizes[unit_id]:,}"
    )
    before = rss_mib()
    start = time.perf_counter()
    while True:  # a large first build runs in the background, as in a server
        try:
            index = screening_index()
        except ScreeningIndexNotReady:
            time.sleep(0.5)
        else:
            break
    build = time.perf_counter() - start
    print(
        f"index build from the vault: {len(index):,} people in {build:.1f} s "
        f"({build / max(len(index), 1) * 1e6:.0f} µs a person), "
        f"resident memory +{rss_mib() - before:,.0f} MiB"
    )

    rng = random.Random(args.seed)
    codes = list(
        Case.objects.filter(unit_id=unit_id, person__isnull=False)
        .order_by("?")
        .values_list("code", flat=True)[:200]
    )
    rng.shuffle(codes)
    client = signed_in_client(officer)
    with collections_timed() as collections:
        samples = timed(
            client,
            [f"/cases/{code}/screening/" for code in codes],
            samples=args.samples,
            warmup=args.warmup,
            expect=200,
        )
    # The screening itself, without the page: decrypt the screened person,
    # refresh the index, search, explain, look up watch-list hits.
    cases = list(Case.objects.filter(code__in=codes).select_related("unit", "data_key__unit_key"))
    alone: list[float] = []
    for i in range(args.warmup + args.samples):
        case = cases[i % len(cases)]
        start = time.perf_counter()
        screening_selectors.case_screening(user=officer, case=case)
        if i >= args.warmup:
            alone.append((time.perf_counter() - start) * 1000)
    parts = _parts(officer, cases, args.warmup + args.samples, args.warmup)
    for generation in (0, 1, 2):
        took = [ms for g, ms in collections if g == generation]
        if took:
            print(
                f"garbage collections of generation {generation} during the page samples:"
                f" {len(took)}, longest {max(took):.1f} ms, {sum(took):.1f} ms in all"
            )
    slowest = sorted(samples)[-3:]
    print(f"slowest page samples: {', '.join(f'{ms:.1f}' for ms in slowest)} ms")
    print("| what | p50 ms | p95 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|")
    for name, values in (
        ("screening one person (decrypt, refresh, search, reasons, watch-lists)", alone),
        ("the screening panel page (the above, audit events, template)", samples),
        *((f"  part: {part}", times) for part, times in parts.items()),
    ):
        p = percentiles(values)
        print(f"| {name} | {p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} | {p['mean']:.1f} |")


@contextmanager
def collections_timed() -> Iterator[list[tuple[int, float]]]:
    """(generation, ms) of each cyclic garbage collection meanwhile: a full
    one walks every object not frozen, and stalls the request it falls in."""
    found: list[tuple[int, float]] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            found.append((info["generation"], (time.perf_counter() - started.pop()) * 1000))

    gc.callbacks.append(watch)
    try:
        yield found
    finally:
        gc.callbacks.remove(watch)


def _parts(officer, cases, rounds: int, warmup: int) -> dict[str, list[float]]:
    """The screening's steps timed one by one, in the order the selector
    runs them (the steps' own queries included)."""
    from safepassage.cases.models import ScreeningDecision
    from safepassage.cases.screening import selectors as screening_selectors
    from safepassage.cases.screening.index import screening_index
    from safepassage.watchlists.selectors import watchlist_hits

    times: dict[str, list[float]] = {
        "the person and its phones, decrypted": [],
        "the index's refresh (people changed lately)": [],
        "search and reasons": [],
        "the matched cases, the user's view of them": [],
        "watch-list hits": [],
        "decisions and details requests": [],
    }
    steps = list(times.values())
    for i in range(rounds):
        case = cases[i % len(cases)]
        clock = [time.perf_counter()]
        record, _updated = screening_selectors._screened_record(case)
        clock.append(time.perf_counter())
        index = screening_index()
        clock.append(time.perf_counter())
        index.search(record, limit=screening_selectors.SCREENING_CANDIDATES + 1)
        clock.append(time.perf_counter())
        screening_selectors._screening_matches(user=officer, case=case, record=record)
        clock.append(time.perf_counter())
        watchlist_hits(user=officer, record=record)
        clock.append(time.perf_counter())
        list(ScreeningDecision.objects.filter(case=case))
        screening_selectors.details_requests_for_case(user=officer, case=case)
        clock.append(time.perf_counter())
        if i >= warmup:
            for k, step in enumerate(steps):
                step.append((clock[k + 1] - clock[k]) * 1000)
    # _screening_matches searched again (and refreshed): count only the rest.
    refresh, search = (
        times["the index's refresh (people changed lately)"],
        times["search and reasons"],
    )
    times["the matched cases, the user's view of them"] = [
        max(0.0, t - r - s)
        for t, r, s in zip(
            times["the matched cases, the user's view of them"], refresh, search, strict=True
        )
    ]
    return times


if __name__ == "__main__":
    main()
