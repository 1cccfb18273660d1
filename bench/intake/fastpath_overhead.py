"""Per-request CPU of the Telegram webhook's fast path, spool write left out.

    .venv/bin/python bench/intake/fastpath_overhead.py [--tree DIR] [--calls N]

Runs `TelegramWebhookFastPath` against the tree in DIR (default: this one)
with the key ring taken as unlocked, the channel cache filled and the
spool's writer replaced by a no-op, so that what is measured is the fast
path's own work per request (routing, signals, secret check, JSON parse,
storability check), not fdatasync. Prints CPU and wall microseconds per
request. To compare two trees, run it once per tree, alternating, in the
same session (docs/benchmarks.md, "Fast path overhead").
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", default=os.getcwd())
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    sys.path.insert(0, args.tree)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.conf import settings

    from safepassage.intake import spool
    from safepassage.vault import keyring

    try:
        from safepassage.intake.channels.telegram import fastpath
    except ImportError:  # the tree before issue 19
        from safepassage.intake import fastpath  # type: ignore[no-redef]

    settings.INTAKE_WEBHOOK_SPOOL = True
    keyring.is_unlocked = lambda: True  # type: ignore[assignment]
    kept = []

    class Writer:
        def append(self, delivery: object) -> None:
            kept.append(delivery)

    spool.writer = lambda: Writer()  # type: ignore[assignment]
    app = fastpath.TelegramWebhookFastPath(lambda environ, start: [b""])
    public_id = "00000000-0000-4000-8000-000000000001"
    app.channels.channels = {public_id: fastpath.KnownChannel(1, "s3cret")}
    app.channels.loaded_at = float("inf")
    body = json.dumps(
        {
            "update_id": 1,
            "message": {
                "message_id": 7,
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "language_code": "my"},
                "text": "မင်္ဂလာပါ hello",
            },
        }
    ).encode()
    path = f"/channels/telegram/{public_id}/webhook/"
    statuses: list[str] = []

    def start(status: str, headers: object) -> None:
        statuses.append(status)

    def one() -> None:
        environ = {
            "PATH_INFO": path,
            "REQUEST_METHOD": "POST",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "s3cret",
        }
        app(environ, start)

    for _ in range(500):  # warm up
        one()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(args.calls):
        one()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert set(statuses) == {"200 OK"}, set(statuses)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"{args.tree}: {args.calls} requests, "
        f"cpu {cpu / args.calls * 1e6:.1f} us/request, "
        f"wall {wall / args.calls * 1e6:.1f} us/request "
        f"(maxrss {usage.ru_maxrss // 1024} MiB)"
    )


if __name__ == "__main__":
    main()
