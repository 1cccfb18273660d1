"""``manage.py intake_process``: read every stored update still waiting.

The background worker (`manage.py db_worker`) does this as updates arrive;
this command catches up after a worker was down or the key ring locked.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.intake.models import InboundUpdate, UpdateState
from safepassage.intake.processing import update_process
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Read the stored channel updates that are still waiting."

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = list(
            InboundUpdate.objects.filter(state=UpdateState.RECEIVED)
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)
        )
        outcome: Counter[str] = Counter()
        try:
            for update_id in waiting:
                outcome[update_process(update_id)] += 1
        except VaultError as exc:
            raise CommandError(f"{exc} Unlock the key ring first.") from None
        summary = ", ".join(f"{n:,} {state}" for state, n in sorted(outcome.items())) or "none"
        self.stdout.write(f"{len(waiting):,} waiting updates read: {summary}.")
