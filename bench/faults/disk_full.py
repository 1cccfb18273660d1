"""A full disk during a burst of webhooks: the webhook refuses (non-200,
so Telegram retries) and nothing half-written remains.

    .venv/bin/python bench/faults/disk_full.py [--database sqlite|postgres] [--size-mib 64]

Needs root (it mounts a filesystem). The instance's whole var directory
(`SAFEPASSAGE_VAR_DIR`: the webhook spool, the key ring, and with
`--database sqlite` the database file too) is a small tmpfs mounted for
the run. The full stack (bench/faults/_stack.py) takes a steady burst of
Telegram updates; a third of the way in, a filler file takes every free
byte of that filesystem and is held for `--full-seconds`, then removed.
The sender behaves as Telegram (a non-200 is delivered again).

Then the timers' commands settle everything and the script reports the
answers while the disk was full, every update answered 200 stored once
(none lost), and what the spool's drains found: records cut short
(dropped: never answered 200), files set aside as tampered (a truncated
file read as valid would show here as an authentication failure), and
what is left in the spool.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import shutil
import subprocess
import sys
import tempfile
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
    settle,
)


def fill(directory: Path) -> tuple[Path, int]:
    """Write a file until the filesystem refuses: returns it and its size."""
    path = directory / "filler"
    written = 0
    chunk = b"\0" * (1 << 16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while True:
            try:
                n = os.write(fd, chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    break
                chunk = chunk[: len(chunk) // 2]
                continue
            written += n
    finally:
        os.close(fd)
    return path, written


def drains() -> Counter[str]:
    """What every drain task returned (spool.Drained), summed."""
    from django_tasks_db.models import DBTaskResult

    total: Counter[str] = Counter()
    for result in DBTaskResult.objects.filter(task_path__endswith="drain_spool"):
        if isinstance(result.return_value, dict):
            total.update({k: int(v) for k, v in result.return_value.items()})
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--size-mib", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=36.0, help="length of the burst")
    parser.add_argument("--full-seconds", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=8783)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("disk_full.py mounts a tmpfs: run it as root")
    base = Path(tempfile.mkdtemp(prefix="sp-faults-disk-"))
    var_dir = base / "var"
    var_dir.mkdir()
    subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", f"size={args.size_mib}m,mode=0700", "tmpfs", str(var_dir)],  # noqa: S607
        check=True,
    )
    # The logs stay off the full disk, so that they can be counted.
    stack = Stack(args.database, var_dir, args.port, log_dir=base)
    filler: Path | None = None
    try:
        with fake_telegram() as (api_url, recorder):
            stack.prepare(api_url)
            stack.start_web()
            stack.start_worker()
            telegram = Telegram(stack, retry_wait=1.0)
            senders, rate = 4, 6.0
            per_chat = max(1, int(args.seconds * senders * rate / 200))
            per_sender = plan(senders, chats=200, per_chat=per_chat)
            started = time.monotonic()
            threads = telegram.run(per_sender, rate=rate)
            time.sleep(args.seconds / 3)
            full_at = time.monotonic()
            filler, filled = fill(var_dir)
            time.sleep(args.full_seconds)
            filler.unlink()
            filler = None
            freed_at = time.monotonic()
            for thread in threads:
                thread.join()
            burst_seconds = time.monotonic() - started
            settle(stack)
            inbound = inbound_check(telegram.accepted())
            outbound = outbound_check(recorder)
            drained = drains()
            left = Counter(p.suffix for p in (var_dir / "spool").iterdir())
            log = (base / "gunicorn.log").read_text(errors="replace")
            refusals = log.count("answered 503 (OSError ENOSPC)")
            retired = log.count("retired after a failed write or sync")
        during = Counter(s for at, s, _ in telegram.answers if full_at <= at < freed_at)
        after = Counter(s for at, s, _ in telegram.answers if at >= freed_at)
        fmt = lambda c: ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(c.items()))  # noqa: E731
        print(f"a full disk during a burst ({args.database}); {machine()}")
        print(
            f"var directory on a {args.size_mib} MiB tmpfs; burst {burst_seconds:.0f} s, "
            f"{senders} senders x {rate:g} updates/s; filled ({filled / 2**20:.1f} MiB filler) "
            f"at {full_at - started:.1f} s for {freed_at - full_at:.1f} s"
        )
        print(f"{'webhook answers while full':<40} {fmt(during)}")
        print(f"{'webhook answers after':<40} {fmt(after)}")
        print(f"{'503 for ENOSPC (gunicorn log)':<40} {refusals}")
        print(f"{'spool files retired after a failure':<40} {retired}")
        print(
            f"{'inbound':<40} accepted {inbound['accepted']}, stored {inbound['stored']}, "
            f"lost {inbound['lost']}, stored twice {inbound['stored_twice']}, "
            f"still waiting {inbound['still_waiting']}, quarantined {inbound['quarantined']}"
        )
        print(
            f"{'spool drains':<40} files {drained['files']}, records {drained['records']}, "
            f"cut short {drained['cut_short']}, set aside as tampered {drained['tampered']}, "
            f"held {drained['held']}"
        )
        print(f"{'left in the spool':<40} {dict(left) or 'nothing'}")
        print(
            f"{'outbound':<40} queued {outbound['rows']}, sent {outbound['sent']}, "
            f"delivered twice {outbound['delivered_twice']}, uncertain {outbound['uncertain']}, "
            f"still queued {outbound['queued']}, failed {outbound['failed']}"
        )
    finally:
        if filler is not None:
            with contextlib.suppress(OSError):
                filler.unlink()
        stack.stop()
        if args.keep:
            keep = Path(tempfile.mkdtemp(prefix="sp-faults-disk-kept-"))
            shutil.copytree(var_dir, keep / "var", dirs_exist_ok=True)
            print(f"kept: {keep}")
        subprocess.run(["umount", str(var_dir)], check=False)  # noqa: S603,S607
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
