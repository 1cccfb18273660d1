"""``manage.py intake_process``: read every stored update still waiting.

The background worker (`manage.py db_worker`) does this as updates arrive;
this command catches up after a worker was down or the key ring locked.
An update that fails is quarantined (`processing.update_process`) and the
run goes on; the output counts the updates in quarantine, never their
content.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.intake.models import InboundUpdate, UpdateState
from safepassage.intake.processing import TRANSIENT, update_process
from safepassage.vault.exceptions import KeyRingError, VaultLocked


class Command(BaseCommand):
    help = "Read the stored channel updates that are still waiting."

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = list(
            InboundUpdate.objects.filter(state=UpdateState.RECEIVED)
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)
        )
        outcome: Counter[str] = Counter()
        for update_id in waiting:
            try:
                outcome[update_process(update_id)] += 1
            except (VaultLocked, KeyRingError) as exc:
                raise CommandError(f"{exc} Unlock the key ring first.") from None
            except TRANSIENT as exc:
                self.stderr.write(f"Update {update_id} left waiting ({type(exc).__name__}).")
                outcome["still waiting"] += 1
        summary = ", ".join(f"{n:,} {state}" for state, n in sorted(outcome.items())) or "none"
        self.stdout.write(f"{len(waiting):,} waiting updates read: {summary}.")
        held = InboundUpdate.objects.filter(state=UpdateState.QUARANTINED)
        reasons = Counter(held.values_list("reason", flat=True))
        if reasons:
            listed = ", ".join(f"{n:,} {reason}" for reason, n in sorted(reasons.items()))
            self.stdout.write(f"{sum(reasons.values()):,} updates in quarantine: {listed}.")
