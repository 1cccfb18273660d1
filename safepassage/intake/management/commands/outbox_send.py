"""``manage.py outbox_send``: send the outbox's due messages now.

The background worker does this as replies are queued, and comes back by
itself for messages due later; this command catches up after a worker was
down: it sends everything due, and what falls due within `--wait` seconds
(the one-a-second spacing per chat), in order. Prints counts only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.intake.outbox import outbox_send_all
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Send the messages of the outbox that are due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--wait",
            type=int,
            default=60,
            help="Also send what falls due within this many seconds (default 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 <= options["wait"] <= 3600:
            raise CommandError("--wait is between 0 and 3600 seconds.")
        try:
            counts = outbox_send_all(within=dt.timedelta(seconds=options["wait"]))
        except VaultError as exc:
            raise CommandError(f"{exc} Unlock the key ring first.") from None
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing due"
        self.stdout.write(f"Outbox: {summary}.")
