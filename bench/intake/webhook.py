"""A burst of Telegram updates against the webhook, beside a naive webhook.

    .venv/bin/python bench/intake/webhook.py [--updates 100000] [--connections 64]

Everything on this machine, over loopback, on a throw-away SQLite database
(WAL, the product's pragmas: synchronous=FULL) in a temporary directory:

1. gunicorn as deployed (deploy/gunicorn.conf.py, 2 workers) serving
   `bench.intake.settings` (the local settings plus one naive view);
2. wrk (Debian package) sends --updates Telegram-shaped updates, each with
   its own update_id, over --connections connections, first to the naive
   view (bench/intake/naive.py: raw JSON in clear, one insert per request,
   no secret checked), then to the product's webhook; it reports accepted
   updates per second and latency percentiles;
3. after each burst, the stored rows are counted and compared: as many as
   were accepted (a few more may be stored whose answer wrk dropped when
   it stopped: at most one per connection), none twice;
4. an exact check: 2,000 updates sent one by one with known ids, then 500
   of them again (Telegram retries): every accepted id stored exactly
   once, the replays change nothing.

Prints one table; docs/benchmarks.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.cases.run import gunicorn  # noqa: E402 (after the path is set)

SETTINGS = "bench.intake.settings"
LUA = Path(__file__).with_name("burst.lua")


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        SAFEPASSAGE_VAR_DIR=str(var_dir),
        SAFEPASSAGE_PASSPHRASE_FILE=str(var_dir / "passphrase"),
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(  # noqa: S603 (fixed argv)
        [str(ROOT / ".venv/bin/python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def prepare(var_dir: Path) -> tuple[str, str]:
    """Database, key ring, one channel; returns (webhook path, secret)."""
    env = _env(var_dir)
    _manage(env, "vault_init", "--generate-into", str(var_dir / "passphrase"))
    _manage(env, "migrate", "--no-input", "--verbosity", "0")
    os.environ.update(env)
    import django

    django.setup()
    from bench.intake.naive import create_table
    from safepassage.intake.services import channel_create
    from safepassage.vault import keyring

    if not keyring.try_unlock_from_environment():
        raise SystemExit(f"could not unlock the bench key ring: {keyring.last_error()}")
    channel = channel_create(
        actor=None,
        kind="telegram",
        name="bench bot",
        token="1:BENCH",  # noqa: S106 (invented)
        api_url="http://127.0.0.1:9",
    )
    create_table()
    from django.db import connections

    connections.close_all()
    return channel.webhook_path(), channel.webhook_secret or ""


def burst(
    url: str, *, updates: int, connections: int, secret: str, offset: int, threads: int = 1
) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        BURST_PER_THREAD=str(updates // threads), BURST_SECRET=secret, BURST_OFFSET=str(offset)
    )
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", "600s"]
    command += ["--timeout", "10s", "-s", str(LUA), url]
    with tempfile.TemporaryDirectory() as done_dir:
        env["BURST_DONE_DIR"] = done_dir
        proc = subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        while proc.poll() is None and len(os.listdir(done_dir)) < threads:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)  # wrk then reports, done() included
        out, _ = proc.communicate(timeout=60)
    found = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{out}")
    result: dict[str, Any] = json.loads(found.group(1))
    result["rate"] = result["ok"] / (result["duration_us"] / 1e6)
    return result


def stored_naive() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT update_id) FROM bench_naive_update")
        total, distinct = cursor.fetchone()
    return int(total), int(distinct)


DRAINS: list[tuple[int, float]] = []


def stored_product() -> tuple[int, int]:
    """Drains the spool first (timed): what the background worker would do."""
    from django.db.models import Count

    from safepassage.intake.models import InboundUpdate
    from safepassage.intake.spool import spool_drain

    time.sleep(1.5)  # the servers' rotation (ROTATE_SECONDS) marks the last files ready
    started = time.monotonic()
    drained = spool_drain()
    DRAINS.append((drained.records, time.monotonic() - started))

    counts = InboundUpdate.objects.aggregate(
        total=Count("pk"), distinct=Count("provider_id", distinct=True)
    )
    return int(counts["total"]), int(counts["distinct"])


def exact_check(base: str, path: str, secret: str, *, n: int = 2000, replays: int = 500) -> str:
    """Known ids one by one, then some again: every accepted one stored once."""
    from safepassage.intake.models import InboundUpdate

    first = 900_000_000
    stored_product()  # drained before: the check starts from an empty spool
    accepted = []
    for i in range(n + replays):
        update_id = first + (i if i < n else i - n)
        body = json.dumps(
            {
                "update_id": update_id,
                "message": {
                    "message_id": 1,
                    "date": 1764400000,
                    "chat": {"id": 4242, "type": "private"},
                    "text": "exact",
                },
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            base + path,
            data=body,
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            if response.status == 200 and i < n:
                accepted.append(str(update_id))
    stored_product()
    stored = list(
        InboundUpdate.objects.filter(provider_id__in=accepted).values_list("provider_id", flat=True)
    )
    missing = len(set(accepted) - set(stored))
    twice = len(stored) - len(set(stored))
    return f"{len(accepted)} accepted, {missing} missing, {twice} stored twice, {replays} replays"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary directory.")
    parser.add_argument(
        "--without-naive", action="store_true", help="Measure the product's webhook only."
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: make bench (or sudo apt-get install wrk)")
    var_dir = Path(tempfile.mkdtemp(prefix="sp-bench-intake-"))
    try:
        path, secret = prepare(var_dir)
        rows = []
        burst_drain = (0, 0.0)
        log = var_dir / "gunicorn.log"
        with gunicorn(args.port, 2, log, settings=SETTINGS) as base:
            targets = [
                ("naive (clear JSON, 1 insert)", "/bench/naive/telegram/", stored_naive),
                ("SafePassage webhook", path, stored_product),
            ]
            for name, url_path, counter in targets[1:] if args.without_naive else targets:
                burst(
                    base + url_path, updates=2000, connections=8, secret=secret, offset=0
                )  # warm-up
                before = counter()
                started = time.monotonic()
                result = burst(
                    base + url_path,
                    updates=args.updates,
                    connections=args.connections,
                    secret=secret,
                    offset=10_000_000,
                    threads=args.wrk_threads,
                )
                wall = time.monotonic() - started
                total, distinct = counter()
                if counter is stored_product:
                    burst_drain = DRAINS[-1]
                rows.append((name, result, total - before[0], distinct - before[1], wall))
            exact = exact_check(base, path, secret)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores; SQLite WAL, synchronous=FULL"
        )
        threads = os.environ.get("SAFEPASSAGE_THREADS", "4")
        print(
            f"burst: {args.updates:,} updates, {args.connections} connections, "
            f"wrk {args.wrk_threads} thread(s); "
            f"gunicorn 2 workers x {threads} threads"
        )
        print(
            f"{'':32} {'accepted/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
            f"{'accepted':>9} {'stored':>9} {'distinct':>9} {'errors':>7}"
        )
        for name, r, stored, distinct, _wall in rows:
            errors = r["other"] + r["connect_errors"] + r["read_errors"] + r["timeouts"]
            print(
                f"{name:32} {r['rate']:>10,.0f} {r['p50_us'] / 1000:>7.1f} "
                f"{r['p99_us'] / 1000:>7.1f} {r['max_us'] / 1000:>7.1f} {r['ok']:>9,} "
                f"{stored:>9,} {distinct:>9,} {errors:>7}"
            )
        print(f"exact check (one by one, then replays): {exact}")
        records, seconds = burst_drain
        if seconds:
            print(
                f"spool drained into the database: {records:,} records in {seconds:.1f} s "
                f"({records / seconds:,.0f}/s, one process)"
            )
    finally:
        if args.keep:
            print(f"kept: {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
