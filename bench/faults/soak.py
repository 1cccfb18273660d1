"""A soak at a steady realistic load with the full stack: memory growth
(RSS per process over time), latency drift (p50/p99 per minute) and
errors, in figures.

    .venv/bin/python bench/faults/soak.py [--database sqlite|postgres] [--minutes 15]
    # the hour issue 23 asks for:
    .venv/bin/python bench/faults/soak.py --database postgres --minutes 60

The stack as deployed (bench/faults/_stack.py): gunicorn with
deploy/gunicorn.conf.py (2 workers x 4 threads, the webhook spool),
`db_worker`, and the timers' commands at their deploy/systemd periods
(`outbox_send` and `intake_drain` every 5 minutes, `intake_process`
every 15, `intake_purge` hourly; each also once at the start), the fake
Telegram Bot API in this process. The load, steady for the whole run:

* Telegram updates at `--updates-per-second` (default 4), from new and
  returning chats (each chat writes `--per-chat` messages; the bot
  answers each through the outbox);
* an intake operator reading their home page and the inbox, one page
  every 1/`--pages-per-second` seconds (default 2 a second).

Every 10 s the RSS of each process (the gunicorn master, each worker,
db_worker) is sampled from /proc. Printed: per minute, requests, errors
(any answer but 200, or none), webhook and page p50/p99; per process,
RSS at the start and the end and the least-squares slope over the run
after its first two minutes (warm-up: the screening index, caches);
then every update accepted stored once and every reply sent once.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faults._stack import (
    Stack,
    Telegram,
    fake_telegram,
    inbound_check,
    machine,
    outbound_check,
    percentile,
    plan,
    rss_kib,
    settle,
    slope,
    staff_cookie,
)

TIMERS = {  # command: period in seconds (deploy/systemd/*.timer)
    "outbox_send": 300,
    "intake_drain": 300,
    "intake_process": 900,
    "intake_purge": 3600,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--updates-per-second", type=float, default=4.0)
    parser.add_argument("--pages-per-second", type=float, default=2.0)
    parser.add_argument("--per-chat", type=int, default=3)
    parser.add_argument("--port", type=int, default=8784)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="sp-faults-soak-"))
    stack = Stack(args.database, var_dir, args.port)
    seconds = args.minutes * 60
    stop = threading.Event()
    pages: list[tuple[float, int, float]] = []
    rss: dict[str, list[tuple[float, int]]] = defaultdict(list)
    timer_runs: dict[str, int] = defaultdict(int)
    try:
        with fake_telegram() as (api_url, recorder):
            stack.prepare(api_url)
            from safepassage.accounts.roles import Role

            cookie = staff_cookie([Role.INTAKE_OPERATOR])
            stack.start_web()
            stack.start_worker()
            senders = 4
            total = int(seconds * args.updates_per_second)
            chats = max(1, total // args.per_chat)
            per_sender = plan(senders, chats=chats, per_chat=args.per_chat)
            telegram = Telegram(stack, retry_wait=1.0)
            started = time.monotonic()

            def read_pages() -> None:
                conn = None
                urls = ["/", "/intake/"]
                interval, k = 1.0 / args.pages_per_second, 0
                next_at = time.monotonic()
                while not stop.is_set():
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    next_at += interval
                    t0 = time.monotonic()
                    try:
                        if conn is None:
                            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                        conn.request("GET", urls[k % 2], headers={"Cookie": cookie})
                        response = conn.getresponse()
                        response.read()
                        status = response.status
                    except (OSError, http.client.HTTPException):
                        conn, status = None, 0
                    pages.append((time.monotonic(), status, time.monotonic() - t0))
                    k += 1

            def sample() -> None:
                while not stop.is_set():
                    now = time.monotonic() - started
                    if stack.web is not None:
                        rss["gunicorn master"].append((now, rss_kib(stack.web.pid)))
                        for i, pid in enumerate(sorted(stack.web_workers())):
                            rss[f"gunicorn worker {i + 1}"].append((now, rss_kib(pid)))
                    if stack.worker is not None:
                        rss["db_worker"].append((now, rss_kib(stack.worker.pid)))
                    stop.wait(10)

            def timers() -> None:
                next_run = dict.fromkeys(TIMERS, 0.0)
                while not stop.is_set():
                    now = time.monotonic() - started
                    for command, period in TIMERS.items():
                        if now >= next_run[command]:
                            stack.manage(command, check=False)
                            timer_runs[command] += 1
                            next_run[command] = now + period
                    stack.supervise_worker()
                    stop.wait(5)

            helpers = [threading.Thread(target=f) for f in (read_pages, sample, timers)]
            for thread in helpers:
                thread.start()
            # Each sender's share at a rate that spreads it over the run.
            threads = telegram.run(per_sender, rate=args.updates_per_second / senders)
            stop.wait(seconds)
            telegram.stop.set()
            stop.set()
            for thread in [*threads, *helpers]:
                thread.join()
            elapsed = time.monotonic() - started
            final_rss = {name: points[-1][1] for name, points in rss.items() if points}
            settle(stack)
            inbound = inbound_check(telegram.accepted())
            outbound = outbound_check(recorder)
        print(f"soak ({args.database}), {args.minutes:g} minutes; {machine()}")
        print(
            f"load: {args.updates_per_second:g} Telegram updates/s ({chats} chats x "
            f"{args.per_chat}), {args.pages_per_second:g} staff pages/s (home, inbox); "
            f"gunicorn 2 workers x 4 threads, db_worker, timers "
            + ", ".join(f"{k} x{v}" for k, v in sorted(timer_runs.items()))
        )
        print()
        print(
            f"{'minute':>6} {'webhooks':>8} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'pages':>6} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7}"
        )
        minutes = int(elapsed // 60) + 1
        per_minute_p50: list[tuple[float, float]] = []
        per_minute_page_p50: list[tuple[float, float]] = []
        for m in range(minutes):
            lo, hi = started + 60 * m, started + 60 * (m + 1)
            hooks = [(s, lat) for at, s, lat in telegram.answers if lo <= at < hi]
            views = [(s, lat) for at, s, lat in pages if lo <= at < hi]
            if not hooks and not views:
                continue
            hook_ms = [lat * 1000 for s, lat in hooks if s == 200]
            page_ms = [lat * 1000 for s, lat in views if s == 200]
            per_minute_p50.append((m, percentile(hook_ms, 0.5)))
            per_minute_page_p50.append((m, percentile(page_ms, 0.5)))
            print(
                f"{m + 1:>6} {len(hooks):>8} {sum(1 for s, _ in hooks if s != 200):>6} "
                f"{percentile(hook_ms, 0.5):>7.1f} {percentile(hook_ms, 0.99):>7.1f} "
                f"{len(views):>6} {sum(1 for s, _ in views if s != 200):>6} "
                f"{percentile(page_ms, 0.5):>7.1f} {percentile(page_ms, 0.99):>7.1f}"
            )
        print(
            f"latency drift (least-squares slope of the per-minute p50): webhook "
            f"{slope(per_minute_p50):+.2f} ms/min, pages {slope(per_minute_page_p50):+.2f} ms/min"
        )
        print()
        print(
            f"{'process':<20} {'RSS start MiB':>13} {'at 2 min':>9} {'RSS end MiB':>12} "
            f"{'slope MiB/h':>12}  (slope: after the first 2 minutes)"
        )
        for name, points in sorted(rss.items()):
            settled_points = [(t / 3600, kib / 1024) for t, kib in points if t >= 120]
            warm = settled_points[0][1] if settled_points else float("nan")
            print(
                f"{name:<20} {points[0][1] / 1024:>13.1f} {warm:>9.1f} "
                f"{final_rss[name] / 1024:>12.1f} {slope(settled_points):>+12.1f}"
            )
        print(
            "RSS every 5 minutes (MiB): "
            + "; ".join(
                f"{name}: "
                + " ".join(f"{kib / 1024:.0f}" for t, kib in points if int(t) % 300 < 10)
                for name, points in sorted(rss.items())
            )
        )
        print()
        print(
            f"inbound: accepted {inbound['accepted']}, stored {inbound['stored']}, "
            f"lost {inbound['lost']}, stored twice {inbound['stored_twice']}, "
            f"still waiting {inbound['still_waiting']}, quarantined {inbound['quarantined']}"
        )
        print(
            f"outbound: queued {outbound['rows']}, sent {outbound['sent']}, "
            f"delivered twice {outbound['delivered_twice']}, uncertain {outbound['uncertain']}, "
            f"still queued {outbound['queued']}, failed {outbound['failed']}; "
            f"db_worker started {stack.worker_starts} time(s)"
        )
    finally:
        stop.set()
        stack.stop()
        if args.keep:
            print(f"kept: {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
