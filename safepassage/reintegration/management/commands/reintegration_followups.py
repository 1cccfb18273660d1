"""Make follow-ups due now, or (--schedule) start the daily background run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from safepassage.reintegration.services import followups_make_due
from safepassage.reintegration.tasks import followups_schedule


class Command(BaseCommand):
    help = "Make due the follow-ups whose date is near; --schedule queues the daily task."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = followups_schedule(timezone.now())
            self.stdout.write("scheduled" if queued else "already scheduled")
            return
        self.stdout.write(f"{followups_make_due()} follow-ups made due")
