"""kill -9 of a web worker and of `db_worker` in the middle of a burst of
webhooks and outbox sends: is anything accepted lost, anything sent twice?

    .venv/bin/python bench/faults/kill9.py [--database sqlite|postgres] [--chats 150]

The full stack (bench/faults/_stack.py): gunicorn as deployed (2 workers
x 4 threads, the webhook's spool), `db_worker`, the fake Telegram Bot API
in this process. `--chats` people each write `--per-chat` messages; the
bot answers each (its questions go out through the outbox to the fake
API). During the burst:

1. one gunicorn worker is killed with SIGKILL (the master starts another);
2. `db_worker` is killed with SIGKILL while a webhook spool drain or
   update reading may be running, and started again after a second (as
   systemd's Restart= does);
3. `db_worker` is killed again at the moment the outbox has messages in
   `sending` (claimed, being sent to the fake API), and started again.

The sender behaves as Telegram: an update that gets no 200 (connection
reset by the kill, a 5xx) is delivered again. Afterwards the timers'
commands run until everything is read and sent, the outbox's lease
(120 s) runs out so that what a killed sender held is judged, and then:

* inbound: every update answered 200 is stored, once, and read;
* outbound: each message the bot queued was delivered to the fake API
  at most once; those a killed sender held are `uncertain` (never resent
  automatically: docs/intake.md), and the table says how many of them
  had in fact reached the API and how many had not.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
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
    settle,
)


def wait_for_sending(timeout: float) -> bool:
    from safepassage.intake.models import OutboundMessage, OutboxState

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if OutboundMessage.objects.filter(state=OutboxState.SENDING).exists():
            return True
        time.sleep(0.01)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--chats", type=int, default=150)
    parser.add_argument("--per-chat", type=int, default=4)
    parser.add_argument("--senders", type=int, default=6)
    parser.add_argument("--rate", type=float, default=8.0, help="updates a second per sender")
    parser.add_argument("--port", type=int, default=8781)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="sp-faults-kill9-"))
    stack = Stack(args.database, var_dir, args.port)
    events: list[str] = []
    try:
        with fake_telegram() as (api_url, recorder):
            stack.prepare(api_url)
            stack.start_web()
            stack.start_worker()
            telegram = Telegram(stack)
            per_sender = plan(args.senders, args.chats, args.per_chat)
            total = sum(len(s) for s in per_sender)
            started = time.monotonic()
            threads = telegram.run(per_sender, rate=args.rate)
            expected = total / (args.senders * args.rate)

            def at(fraction: float) -> None:
                time.sleep(max(0.0, started + expected * fraction - time.monotonic()))

            at(0.25)
            pid = stack.kill_web_worker()
            events.append(f"{time.monotonic() - started:5.1f} s  SIGKILL web worker {pid}")
            at(0.45)
            pid = stack.kill_worker()
            events.append(f"{time.monotonic() - started:5.1f} s  SIGKILL db_worker {pid}")
            time.sleep(1)
            stack.start_worker()
            events.append(f"{time.monotonic() - started:5.1f} s  db_worker started again")
            at(0.6)
            # Until the outbox is sending (on SQLite the worker reads updates
            # first: the sends may come after the last update).
            mid_send = wait_for_sending(timeout=120)
            pid = stack.kill_worker()
            events.append(
                f"{time.monotonic() - started:5.1f} s  SIGKILL db_worker {pid} "
                f"({'with messages in sending' if mid_send else 'no send seen in flight'})"
            )
            time.sleep(1)
            stack.start_worker()
            events.append(f"{time.monotonic() - started:5.1f} s  db_worker started again")
            for thread in threads:
                thread.join()
            burst_seconds = time.monotonic() - started
            settled = settle(stack)
            # The outbox's lease (LEASE, 120 s) must run out before a message a
            # killed sender held is judged; then the sender timer runs once more.
            from safepassage.intake.outbox import LEASE

            time.sleep(LEASE.total_seconds() + 2)
            settle(stack)
            inbound = inbound_check(telegram.accepted())
            outbound = outbound_check(recorder)
            statuses = telegram.statuses()
            retried = sum(1 for d in telegram.deliveries if d.attempts > 1)
            gave_up = sum(1 for d in telegram.deliveries if d.status != 200)
        print(f"kill -9 during a burst ({args.database}); {machine()}")
        print(
            f"burst: {total} updates from {args.chats} chats, {args.senders} senders x "
            f"{args.rate:g}/s, {burst_seconds:.0f} s; gunicorn 2 workers x 4 threads; "
            f"db_worker started {stack.worker_starts} times"
        )
        for line in events:
            print("  " + line)
        print(
            "answers to the sender: "
            + ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(statuses.items()))
            + f"; {retried} updates delivered more than once (Telegram's retry), "
            f"{gave_up} given up"
        )
        print(f"timers' commands run {settled['timer_runs']} times to settle")
        print()
        print(f"{'inbound':<40} {'count':>7}")
        for key in ("accepted", "stored", "lost", "stored_twice", "still_waiting", "quarantined"):
            print(f"{key.replace('_', ' '):<40} {inbound[key]:>7}")
        print()
        print(f"{'outbound (sendMessage)':<40} {'count':>7}")
        labels = {
            "rows": "messages the bot queued",
            "sent": "sent (recorded)",
            "calls": "calls at the fake Bot API",
            "delivered_twice": "delivered twice",
            "uncertain": "uncertain (a killed sender held them)",
            "uncertain_delivered": "  of which had reached the API",
            "uncertain_not_delivered": "  of which had not",
            "queued": "still queued",
            "failed": "failed / withdrawn",
        }
        for key, label in labels.items():
            print(f"{label:<40} {outbound[key]:>7}")
    finally:
        stack.stop()
        if args.keep:
            print(f"kept: {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
