"""The screening server as deployed, beside the per-process index it
replaced, in one run, on a seeded database.

Runs against the database the environment names (seeded with
`seed_demo --cases N`, as for bench/cases/run.py), never a test database:

    export SAFEPASSAGE_VAR_DIR=... SAFEPASSAGE_PASSPHRASE_FILE=... [DATABASE_URL=...]
    .venv/bin/python bench/screening/server.py [--samples 200]

1. A cold start: `manage.py screening_server` with no snapshot builds from
   the database; the time until it answers ready, its resident memory, and
   the snapshot it writes (size, seconds) at SIGTERM.
2. A restart from that snapshot: time until ready (read, checked,
   reconciled with the database), resident memory.
3. Screening one person (`screening_selectors.case_screening`: decrypt the screened
   person, ask, show) through the server, then, as the peer, with this
   process's own index (the behaviour before: every process built one);
   p50/p95/p99, and this process's memory growth with each.

The machine's memory for the index is the server's resident memory: the
web workers hold none. Before, each process (two gunicorn workers and the
background worker) held the figure of row 3's peer.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.cases.run import percentiles  # noqa: E402
from bench.screening.panel import rss_mib  # noqa: E402


def rss_of(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, socket_path: str, log: Path) -> None:
        self.socket_path, self.log = socket_path, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ, SAFEPASSAGE_SCREENING_SOCKET=self.socket_path)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "screening_server"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> str:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=600)
        return self.log.read_text()


def wait_ready(remote, started: float, limit: float = 3600) -> float:
    from safepassage.cases.screening.index import ScreeningIndexNotReady

    while True:
        try:
            remote.status()
            return time.perf_counter() - started
        except ScreeningIndexNotReady:
            if time.perf_counter() - started > limit:
                raise
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-peer", action="store_true", help="no in-process index")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["SAFEPASSAGE_SCREENING_SOCKET"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from safepassage.accounts.models import User
    from safepassage.cases.models import Case, Person
    from safepassage.cases.screening import selectors as screening_selectors
    from safepassage.cases.screening.index import (
        ScreeningIndexNotReady,
        screening_index,
        screening_index_reset,
    )
    from safepassage.cases.screening.server import RemoteIndex
    from safepassage.cases.screening.snapshot import snapshot_path
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
    unit_id = max(sizes, key=lambda k: sizes[k])
    officer = officers.filter(unit_id=unit_id).order_by("username").first()
    people = Person.objects.count()
    rng = random.Random(args.seed)
    codes = list(
        Case.objects.filter(unit_id=unit_id, person__isnull=False)
        .order_by("?")
        .values_list("code", flat=True)[:200]
    )
    rng.shuffle(codes)
    cases = list(Case.objects.filter(code__in=codes).select_related("unit", "data_key__unit_key"))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (the developer's git)
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"# screening server benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"commit {commit}"
    )
    print(
        f"# {connection.vendor}; {os.cpu_count()} CPUs; load average "
        f"{os.getloadavg()[0]:.2f}; {people:,} registered people"
    )

    def screen_all() -> list[float]:
        out = []
        for i in range(args.warmup + args.samples):
            case = cases[i % len(cases)]
            start = time.perf_counter()
            screening_selectors.case_screening(user=officer, case=case)
            if i >= args.warmup:
                out.append((time.perf_counter() - start) * 1000)
        return out

    rows: list[tuple[str, str]] = []
    run_dir = Path(tempfile.mkdtemp(prefix="sp-bench-"))
    socket_path = str(run_dir / "screening.sock")
    snapshot_path().unlink(missing_ok=True)
    server = Server(socket_path, run_dir / "server-cold.log")
    remote = RemoteIndex(socket_path)
    started = time.perf_counter()
    server.start()
    while not Path(socket_path).exists():
        time.sleep(0.02)
    cold = wait_ready(remote, started)
    assert server.proc is not None
    cold_rss = rss_of(server.proc.pid)
    rows.append(("cold start (no snapshot): ready after", f"{cold:.1f} s"))
    rows.append(("  server's resident memory when ready", f"{cold_rss:,.0f} MiB"))
    time.sleep(1.5)  # the server writes its first snapshot after the build
    log = server.stop()
    written = re.findall(r"snapshot written \(([^)]*)\), ([\d,]+) bytes in ([\d.]+) s", log)
    for why, size, seconds in written:
        rows.append(
            (
                f"  snapshot written ({why})",
                f"{int(size.replace(',', '')) / 2**20:,.0f} MiB, {seconds} s",
            )
        )

    server = Server(socket_path, run_dir / "server-warm.log")
    started = time.perf_counter()
    server.start()
    while not Path(socket_path).exists() or server.proc is None:
        time.sleep(0.02)
    warm = wait_ready(remote, started)
    warm_rss = rss_of(server.proc.pid)
    rows.append(("restart (from the snapshot): ready after", f"{warm:.1f} s"))
    rows.append(("  server's resident memory when ready", f"{warm_rss:,.0f} MiB"))

    settings.SCREENING_SOCKET = socket_path
    before = rss_mib()
    served = screen_all()
    p = percentiles(served)
    rows.append(
        (
            "screening one person through the server, p95 (p50, p99)",
            f"{p['p95']:.1f} ms ({p['p50']:.1f}, {p['p99']:.1f})",
        )
    )
    rows.append(("  this (web) process's memory growth", f"+{rss_mib() - before:,.0f} MiB"))
    log = server.stop()
    for line in log.splitlines():
        if "ready after" in line or "refused" in line:
            rows.append(("  server said", line.removeprefix("screening server: ")))

    if not args.skip_peer:
        settings.SCREENING_SOCKET = ""
        screening_index_reset()
        before = rss_mib()
        started = time.perf_counter()
        while True:
            try:
                screening_index()
                break
            except ScreeningIndexNotReady:
                time.sleep(0.2)
        built = time.perf_counter() - started
        grown = rss_mib() - before
        local = screen_all()
        p = percentiles(local)
        rows.append(
            ("peer: this process builds its own index", f"{built:.1f} s, +{grown:,.0f} MiB")
        )
        rows.append(
            (
                "peer: screening one person in process, p95 (p50, p99)",
                f"{p['p95']:.1f} ms ({p['p50']:.1f}, {p['p99']:.1f})",
            )
        )
    snapshot_path().unlink(missing_ok=True)
    print("| what | figure |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
