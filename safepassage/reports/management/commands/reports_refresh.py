"""Refresh the report figures: the dirty cases (default), everything
(--rebuild), or (--schedule) start the background refresh. Then publish
the periods that have closed since the last release."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from safepassage.audit.management.commands._unlock import ensure_vault_open
from safepassage.reports.publication import reports_publish
from safepassage.reports.services import reports_rebuild, reports_refresh
from safepassage.reports.tasks import reports_schedule


class Command(BaseCommand):
    help = "Bring the report figures up to date (--rebuild recounts every case)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--schedule", action="store_true")
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = reports_schedule(timezone.now())
            self.stdout.write("scheduled" if queued else "already scheduled")
            return
        ensure_vault_open(options.get("passphrase_file"))
        if options["rebuild"]:
            self.stdout.write(f"{reports_rebuild()} cases counted")
        else:
            self.stdout.write(f"{reports_refresh()} cases refreshed")
        release = reports_publish()
        self.stdout.write(
            f"{release.pieces} tables published for {release.periods} closed periods "
            f"(periods ended before {release.closed_through})"
        )
