"""``manage.py seed_demo_reports``: reintegration plans at scale for the reports (demo only).

Run by `make demo` after `seed_demo_reintegration`; a second run adds
plans only up to --plans.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.demo.reports import DEFAULT_PLANS, demo_reports_seed
from safepassage.demo.seed import demo_settings_active
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = (
        "Open, move and close reintegration plans for demo cases in 'Reintegrating', "
        "through the services, until the demo holds --plans plans (demo data only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plans", type=int, default=DEFAULT_PLANS, metavar="N")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_settings_active():
            raise CommandError("Demo data is written only with local or test settings.")
        if options["plans"] < 0:
            raise CommandError("--plans must be 0 or more.")
        started = time.monotonic()
        try:
            seed = demo_reports_seed(limit=options["plans"], seed=options["seed"])
        except VaultError as exc:
            raise CommandError(f"{exc} Run `make demo`, which unlocks the demo key ring.") from None
        self.stdout.write(
            f"Reports demo: {seed.pathways} pathways recorded, {seed.plans} plans opened "
            f"({seed.completed} completed, "
            f"{seed.lost} lost to follow-up, {seed.left} left), {seed.steps} steps moved, "
            f"{seed.followups} follow-ups recorded in {time.monotonic() - started:.1f} s."
        )
