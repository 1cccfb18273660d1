from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safepassage.crossing.models import CrossingAlert, NotifyState
from safepassage.crossing.notify import alert_notify
from safepassage.crossing.tasks import crossing_due


class Command(BaseCommand):
    help = (
        "Do what the crossing's timers hold (overdue plans, escalations, erasing plans "
        "after their window) and send notices still waiting: a catch-up after the "
        "worker was down."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = crossing_due()
        waiting = CrossingAlert.objects.filter(notify_state=NotifyState.PENDING).values_list(
            "pk", flat=True
        )
        counts["notified"] = sum(1 for pk in list(waiting) if alert_notify(pk))
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
