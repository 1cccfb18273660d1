"""PostgreSQL restarted under load: pages answer 503 with a page that says
so (never a 500), webhooks answer non-200 so that Telegram retries, and
the product serves again once the server is back, without a restart.

    .venv/bin/python bench/faults/pg_restart.py [--database postgres] [--seconds 40]

PostgreSQL only (SQLite has no server to restart). The full stack
(bench/faults/_stack.py) on a throw-away database of this machine's own
server; a steady load of Telegram updates (delivered again until a 200,
as Telegram does) and of a signed-in staff member's home page (which
reads the session, the user and their panels from the database). A
third of the way in, `pg_ctlcluster 15 main restart` (the server is
down for the restart only, and up when the script ends). Then the
timers' commands settle everything and the script counts: answers by
status in each phase, whether every non-200 page was the translated 503
page, the time from the server's return to the first page served,
updates lost, and how often `db_worker` had to be started again.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faults._stack import (
    Stack,
    Telegram,
    fake_telegram,
    inbound_check,
    machine,
    outbound_check,
    plan,
    psql,
    settle,
    staff_cookie,
)

UNAVAILABLE = "unavailable for a moment"


def pg_up() -> bool:
    try:
        psql("SELECT 1")
    except subprocess.CalledProcessError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgres"], default="postgres")
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the load")
    parser.add_argument("--cluster", default="15 main")
    parser.add_argument("--port", type=int, default=8782)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="sp-faults-pg-"))
    stack = Stack(args.database, var_dir, args.port)
    pages: list[tuple[float, int, bool, float]] = []  # at, status, says unavailable, latency
    stop = threading.Event()
    try:
        with fake_telegram() as (api_url, recorder):
            stack.prepare(api_url)
            cookie = staff_cookie()
            stack.start_web()
            stack.start_worker()

            def poll_pages() -> None:
                conn = None
                while not stop.is_set():
                    started = time.monotonic()
                    try:
                        if conn is None:
                            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                        conn.request(
                            "GET", "/", headers={"Cookie": cookie, "Accept-Language": "my"}
                        )
                        response = conn.getresponse()
                        body = response.read().decode("utf-8", "replace")
                        status = response.status
                    except (OSError, http.client.HTTPException):
                        conn, status, body = None, 0, ""
                    lang_my = 'lang="my"' in body
                    pages.append(
                        (
                            time.monotonic(),
                            status,
                            UNAVAILABLE in body or (status == 503 and lang_my),
                            time.monotonic() - started,
                        )
                    )
                    time.sleep(0.1)

            telegram = Telegram(stack, retry_wait=1.0)
            senders, rate = 4, 4.0
            per_sender = plan(senders, chats=200, per_chat=max(1, int(args.seconds * 16 / 200)))
            started = time.monotonic()
            threads = telegram.run(per_sender, rate=rate)
            poller = threading.Thread(target=poll_pages)
            poller.start()
            supervisor_stop = threading.Event()

            def supervise() -> None:  # systemd's Restart= for db_worker
                while not supervisor_stop.is_set():
                    if stack.worker is not None and stack.worker.poll() is not None:
                        time.sleep(2)  # RestartSec=2 (deploy/systemd)
                        stack.start_worker()
                    time.sleep(0.2)

            supervisor = threading.Thread(target=supervise)
            supervisor.start()
            time.sleep(args.seconds / 3)
            restart_at = time.monotonic()
            subprocess.run(  # noqa: S603
                ["pg_ctlcluster", *args.cluster.split(), "restart"],  # noqa: S607
                check=True,
            )
            restarted_at = time.monotonic()
            while not pg_up():
                time.sleep(0.1)
            up_at = time.monotonic()
            time.sleep(max(0.0, started + args.seconds - time.monotonic()))
            telegram.stop.set()
            stop.set()
            for thread in [*threads, poller]:
                thread.join()
            supervisor_stop.set()
            supervisor.join()
            # The stack keeps running: the timers' commands and the checks
            # below use the same processes, never restarted by hand.
            settle(stack)
            inbound = inbound_check(telegram.accepted())
            outbound = outbound_check(recorder)
            web_pids_now = stack.web_workers()

        def phase(lo: float, hi: float) -> Counter[int]:
            return Counter(s for at, s, _, _ in pages if lo <= at < hi)

        before = phase(0, restart_at)
        during = phase(restart_at, up_at)
        after = phase(up_at, float("inf"))
        not_ok = [p for p in pages if p[0] >= restart_at and p[1] != 200]
        all_said = all(said for _, s, said, _ in not_ok if s == 503)
        first_ok = next((at for at, s, _, _ in pages if at >= up_at and s == 200), None)
        last_bad = max((at for at, s, _, _ in pages if s != 200), default=None)
        hooks = Counter(s for at, s, _ in telegram.answers if at >= restart_at and at < up_at + 5)
        print(f"PostgreSQL restarted under load; {machine()}")
        print(
            f"load: {args.seconds:g} s; {senders} Telegram senders x {rate:g} updates/s, "
            f"a staff home page every 0.1 s; gunicorn 2 workers x 4 threads, db_worker"
        )
        print(
            f"pg_ctlcluster {args.cluster} restart at {restart_at - started:.1f} s, "
            f"took {restarted_at - restart_at:.1f} s; accepting again "
            f"{up_at - restart_at:.1f} s after the restart began"
        )
        fmt = lambda c: ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(c.items()))  # noqa: E731
        print(f"{'staff page':<34} {'answers':<50}")
        print(f"{'  before the restart':<34} {fmt(before)}")
        print(f"{'  during (server down)':<34} {fmt(during)}")
        print(f"{'  after (server up)':<34} {fmt(after)}")
        print(
            f"  every 503 was the 'unavailable' page in Burmese or English: {all_said}; "
            f"500 answers: {sum(1 for p in pages if p[1] == 500)}"
        )
        if first_ok is not None:
            print(f"  first page served {first_ok - up_at:.2f} s after the server accepted again")
        if last_bad is not None:
            print(f"  last non-200 page {last_bad - up_at:+.2f} s from the server's return")
        print(
            f"{'webhooks around the restart':<34} {fmt(hooks)} "
            f"(every non-200 delivered again, as Telegram does)"
        )
        print(
            f"{'inbound':<34} accepted {inbound['accepted']}, stored {inbound['stored']}, "
            f"lost {inbound['lost']}, stored twice {inbound['stored_twice']}, "
            f"still waiting {inbound['still_waiting']}"
        )
        print(
            f"{'outbound':<34} queued {outbound['rows']}, sent {outbound['sent']}, "
            f"delivered twice {outbound['delivered_twice']}, uncertain {outbound['uncertain']}, "
            f"still queued {outbound['queued']}"
        )
        print(
            f"{'restarts':<34} gunicorn: none (workers {web_pids_now}); "
            f"db_worker started {stack.worker_starts} times (1 = never died)"
        )
    finally:
        stop.set()
        if not pg_up():
            subprocess.run(["pg_ctlcluster", *args.cluster.split(), "start"], check=False)  # noqa: S603,S607
        stack.stop()
        if args.keep:
            print(f"kept: {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
