"""``manage.py outbox_send``: send the outbox's due messages now.

The background worker does this as replies are queued; this command
catches up (after a worker was down, or for messages waiting on a
provider's back-off). Prints counts only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.intake.outbox import outbox_send_due
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Send the messages of the outbox that are due."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = outbox_send_due(limit=500)
        except VaultError as exc:
            raise CommandError(f"{exc} Unlock the key ring first.") from None
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing due"
        self.stdout.write(f"Outbox: {summary}.")
