"""Send the channel check-ins due now, or (--schedule) start the hourly run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from safepassage.grievances.checkin import checkins_send
from safepassage.grievances.tasks import checkins_schedule


class Command(BaseCommand):
    help = "Ask the person of every due follow-up through their channel; --schedule queues it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = checkins_schedule(timezone.now())
            self.stdout.write("scheduled" if queued else "already scheduled")
            return
        self.stdout.write(f"{checkins_send()} check-ins sent")
