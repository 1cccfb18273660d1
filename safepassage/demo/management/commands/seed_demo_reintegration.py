"""``manage.py seed_demo_reintegration``: providers, plans at several
stages, due follow-ups, cleared cases waiting for a pathway (demo only).

Run by `make demo` after `seed_demo`; a second run adds nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.demo.reintegration import demo_reintegration_seed
from safepassage.demo.seed import demo_settings_active
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Add demo reintegration plans, providers and follow-ups (demo data only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_settings_active():
            raise CommandError("Demo data is written only with local or test settings.")
        try:
            seed = demo_reintegration_seed()
        except VaultError as exc:
            raise CommandError(f"{exc} Run `make demo`, which unlocks the demo key ring.") from None
        if seed is None:
            self.stdout.write("Reintegration demo: already there (or no demo units yet).")
            return
        self.stdout.write(
            "Reintegration demo: sign in as b1.caseworker (plans) or b1.handler (supervision)."
        )
        self.stdout.write(f"  {seed.providers} providers; plans: {', '.join(seed.plans)}")
        if seed.waiting:
            self.stdout.write(f"  cleared, waiting for a pathway: {', '.join(seed.waiting)}")
