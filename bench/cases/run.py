"""Case pages on a large database: server time per page and list throughput.

Runs against the database the environment names (a seeded one: see
docs/benchmarks.md, "Case pages"), never a test database:

    export SAFEPASSAGE_VAR_DIR=... SAFEPASSAGE_PASSPHRASE_FILE=... [DATABASE_URL=...]
    .venv/bin/python bench/cases/run.py [--samples 300] [--load-seconds 15]

1. Server time, in process (Django's test client through the whole
   middleware stack: session, second factor, permissions, audit): the
   case list's first page and a page deep in the list (keyset), a search
   by phone (blind index), a case detail (decrypts the person, audits the
   read). p50/p95/p99 over --samples requests after a warm-up.
2. The same list pages done naively (OFFSET, bench/cases/naive.py) with
   the composite indexes `cases_case_unit_id` and
   `cases_case_unit_status_id` dropped; they are created again at the end,
   also after an error.
3. Throughput of the list pages under load: gunicorn as deployed
   (deploy/gunicorn.conf.py: 2 gthread workers × 4 threads) and wrk
   (Debian package `wrk`) on loopback, keyset then naive, once gunicorn
   answers.
4. With --first-minute: the keyset first page in the first minute after a
   start, as deployed (the screening server starting beside gunicorn, cold
   and from its snapshot) and as before (each worker building its own
   screening index at boot), side by side.

Reads and writes nothing but audit events, sessions and the two indexes.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
COMPOSITE_INDEXES = ("cases_case_unit_id", "cases_case_unit_status_id")


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "p50": pick(0.50),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "mean": statistics.fmean(ordered),
    }


def signed_in_client(user: Any) -> Any:
    """A test client with a verified session for `user` (no login form)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from safepassage.accounts.middleware import SESSION_EPOCH_KEY, SESSION_LAST_SEEN_KEY
    from safepassage.accounts.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise SystemExit(f"{user.username} has no authenticator; run seed_demo first.")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[SESSION_EPOCH_KEY] = user.session_epoch
    session[SESSION_LAST_SEEN_KEY] = int(time.time())
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timed(client: Any, urls: list[str], *, samples: int, warmup: int, expect: int) -> list[float]:
    out: list[float] = []
    for i in range(warmup + samples):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != expect:
            raise SystemExit(f"GET {url} answered {response.status_code}, expected {expect}")
        if i >= warmup:
            out.append(elapsed)
    return out


@contextmanager
def composite_indexes_dropped() -> Iterator[None]:
    from django.db import connection

    from safepassage.cases.models import Case

    dropped = [i for i in Case._meta.indexes if i.name in COMPOSITE_INDEXES]
    with connection.schema_editor() as editor:
        for index in dropped:
            editor.remove_index(Case, index)
    try:
        yield
    finally:
        start = time.perf_counter()
        with connection.schema_editor() as editor:
            for index in dropped:
                editor.add_index(Case, index)
        print(f"  (composite indexes created again in {time.perf_counter() - start:.1f} s)")


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (loopback only)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on {url} within {timeout:.0f} s")


@contextmanager
def gunicorn(
    port: int,
    workers: int,
    log: Path,
    *,
    settings: str = "bench.cases.settings",
    config: str = "deploy/gunicorn.conf.py",
    env_extra: dict[str, str] | None = None,
) -> Iterator[str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        SAFEPASSAGE_BIND=f"127.0.0.1:{port}",
        SAFEPASSAGE_WORKERS=str(workers),
    )
    env.update(env_extra or {})
    with log.open("w") as log_file:
        proc = subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv/bin/gunicorn"), "-c", config, "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + "/accounts/login/")
            yield base
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def wrk(url: str, *, cookie: str, seconds: int, connections: int) -> dict[str, float]:
    command = [
        "wrk",
        "--latency",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad:
        raise SystemExit(f"wrk saw {bad.group(1)} error responses from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        "socket_errors": errors.group(1) if errors else "none",  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--deep-page", type=int, default=1000, help="page number of the deep page")
    parser.add_argument("--load-seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--skip-search",
        action="store_true",
        help="leave out the phone search (a small seed shares phones, so it answers a list)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--first-minute",
        action="store_true",
        help="also measure the first minute after a start, as deployed and as before",
    )
    parser.add_argument(
        "--first-minute-only", action="store_true", help="only the first-minute measurement"
    )
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.cases.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from safepassage.accounts.models import User
    from safepassage.cases.models import Case, PersonPhone
    from safepassage.cases.selectors import PAGE_SIZE
    from safepassage.vault import keyring

    if not keyring.try_unlock_from_environment():
        raise SystemExit("Key ring locked: set SAFEPASSAGE_PASSPHRASE_FILE.")
    rng = random.Random(args.seed)

    handlers = User.objects.filter(groups__name="unit_handler", is_active=True, unit__isnull=False)
    sizes = dict(
        Case.objects.filter(unit__in=handlers.values("unit"))
        .values_list("unit")
        .annotate(n=Count("id"))
        .order_by()
    )
    if not sizes:
        raise SystemExit("No cases in a unit with a demo unit handler: run seed_demo --cases N.")
    unit_id = max(sizes, key=lambda k: sizes[k])
    user = handlers.filter(unit_id=unit_id).order_by("username").first()
    total = Case.objects.count()
    in_unit = sizes[unit_id]
    deep_page = min(args.deep_page, max(in_unit // PAGE_SIZE - 1, 1))
    deep_before = (
        Case.objects.filter(unit_id=unit_id)
        .order_by("-id")
        .values_list("id", flat=True)[(deep_page - 1) * PAGE_SIZE - 1]
        if deep_page > 1
        else ""
    )
    in_unit_qs = Case.objects.filter(unit_id=unit_id)
    codes = list(in_unit_qs.order_by("?").values_list("code", flat=True)[:200])
    phone_rows = (
        PersonPhone.objects.filter(person__case__unit_id=unit_id)
        .select_related("data_key__unit_key")
        .order_by("?")[:200]
    )
    # Phones shared by several people make the search answer 200 (a list)
    # instead of 302 (the one case): keep the ones that are unique.
    numbers = [p.number for p in phone_rows]
    numbers = [n for n in numbers if numbers.count(n) == 1]
    rng.shuffle(codes)

    client = signed_in_client(user)
    db = connection.vendor
    if db == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db += " " + cursor.fetchone()[0].split()[0]
    else:
        import sqlite3

        db += " " + sqlite3.sqlite_version
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (the developer's git)
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"# case pages benchmark, {now}, commit {commit}")
    print(
        f"# {db}; Python {platform.python_version()}; Django {django.get_version()}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"# {total:,} cases; the measured unit holds {in_unit:,}; deep page = page {deep_page}")
    print(f"# samples {args.samples} after {args.warmup} warm-up requests each\n")

    base = "/cases/"
    scenarios = [
        ("list, first page (keyset)", [base + "list/"], 200),
        ("list, deep page (keyset)", [f"{base}list/?before={deep_before}"], 200),
        ("case detail", [f"{base}{c}/" for c in codes], 200),
    ]
    if not args.skip_search:
        scenarios.insert(2, ("search by phone", [f"{base}search/?q={n}" for n in numbers], 302))
    naive = [
        ("list, first page (naive OFFSET, no composite index)", ["/bench/naive/cases/?page=1"]),
        (
            "list, deep page (naive OFFSET, no composite index)",
            [f"/bench/naive/cases/?page={deep_page}"],
        ),
    ]
    print("| page | p50 ms | p95 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|")

    def show(name: str, samples: list[float]) -> None:
        p = percentiles(samples)
        print(f"| {name} | {p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} | {p['mean']:.1f} |")

    if not args.first_minute_only:
        for name, urls, expect in scenarios:
            show(name, timed(client, urls, samples=args.samples, warmup=args.warmup, expect=expect))
        with composite_indexes_dropped():
            for name, urls in naive:
                show(
                    name, timed(client, urls, samples=args.samples, warmup=args.warmup, expect=200)
                )

    if args.skip_load:
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: sudo apt-get install wrk (or pass --skip-load)")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    log = Path(settings.VAR_DIR) / "bench-gunicorn.log"
    threads = int(os.environ.get("SAFEPASSAGE_THREADS", "4"))
    worker_kind = f"gthread ({threads} threads)" if threads > 1 else "sync"
    sessions = settings.SESSION_ENGINE.rsplit(".", 1)[-1]
    loads = [
        ("list, first page (keyset)", base + "list/"),
        ("list, deep page (keyset)", f"{base}list/?before={deep_before}"),
    ]
    naive_loads = [
        ("list, first page (naive)", "/bench/naive/cases/?page=1"),
        ("list, deep page (naive)", f"/bench/naive/cases/?page={deep_page}"),
    ]
    print(
        f"\nUnder load: gunicorn {args.workers} {worker_kind} workers "
        f"(deploy/gunicorn.conf.py), wrk 2 threads "
        f"{args.connections} connections, {args.load_seconds} s each; "
        f"sessions: {sessions}\n"
    )
    print("| page | requests/s | p99 ms |")
    print("|---|---|---|")

    def load(url: str, name: str) -> None:
        wrk(url, cookie=cookie, seconds=3, connections=args.connections)  # warm-up
        r = wrk(url, cookie=cookie, seconds=args.load_seconds, connections=args.connections)
        print(f"| {name} | {r['rps']:,.0f} | {r['p99_ms']:.1f} |")

    if not args.first_minute_only:
        with gunicorn(args.port, args.workers, log) as server:
            for name, path in loads:
                load(server + path, name)
            with composite_indexes_dropped():
                for name, path in naive_loads:
                    load(server + path, name)
    if args.first_minute or args.first_minute_only:
        first_minute(args, cookie=cookie, path=base + "list/", log=log)


def first_minute(args: argparse.Namespace, *, cookie: str, path: str, log: Path) -> None:
    """The keyset first page under load in the first minute after a start,
    in four windows of 15 s from the moment gunicorn answers: as deployed
    (the screening server starting beside gunicorn, cold, then restarted
    from its snapshot) and as before (each worker building its own
    screening index at boot, bench/cases/gunicorn_per_worker_build.py)."""
    import tempfile

    from safepassage.cases.screening.snapshot import snapshot_path

    run_dir = Path(tempfile.mkdtemp(prefix="sp-first-"))
    sock = str(run_dir / "screening.sock")
    print(
        "\nThe first minute after a start: keyset first page, wrk from the moment "
        "gunicorn answers, 4 windows of 15 s (requests/s, p99 ms)\n"
    )
    print("| start | 0–15 s | 15–30 s | 30–45 s | 45–60 s |")
    print("|---|---|---|---|---|")
    snapshot_path().unlink(missing_ok=True)
    variants = [
        ("before: each worker builds its own index", None, "per-worker"),
        ("screening server, cold (no snapshot)", sock, "deploy"),
        ("screening server, restarted from its snapshot", sock, "deploy"),
    ]
    for name, socket_path, config in variants:
        server_proc = None
        env_extra = {"SAFEPASSAGE_SCREENING_SOCKET": socket_path or ""}
        if socket_path:
            server_log = (run_dir / "screening-server.log").open("a")
            server_proc = subprocess.Popen(
                [sys.executable, "manage.py", "screening_server"],
                cwd=ROOT,
                env=dict(os.environ, DJANGO_SETTINGS_MODULE="bench.cases.settings", **env_extra),
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
        conf = (
            "bench/cases/gunicorn_per_worker_build.py"
            if config == "per-worker"
            else "deploy/gunicorn.conf.py"
        )
        try:
            with gunicorn(args.port, args.workers, log, config=conf, env_extra=env_extra) as up:
                cells = []
                for _window in range(4):
                    r = wrk(up + path, cookie=cookie, seconds=15, connections=args.connections)
                    cells.append(f"{r['rps']:,.0f}, {r['p99_ms']:.0f}")
            print(f"| {name} | {' | '.join(cells)} |", flush=True)
        finally:
            if server_proc is not None:
                server_proc.send_signal(signal.SIGTERM)
                server_proc.wait(timeout=600)
    text = (run_dir / "screening-server.log").read_text()
    for line in text.splitlines():
        if "ready after" in line or "snapshot written" in line:
            print(f"    {line}")
    snapshot_path().unlink(missing_ok=True)


if __name__ == "__main__":
    main()
