"""Expire details requests left unanswered past their time (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safepassage.cases.screening.services import details_requests_expire


class Command(BaseCommand):
    help = "Move every open details request past its expiry to expired (audited)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = details_requests_expire()
        self.stdout.write(f"{count} details requests expired.")
