"""``manage.py seed_demo_protection``: safe houses, placements and risk
assessments for the demo. Run by `make demo` after `seed_demo`; a second
run adds nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.demo.protection import demo_protection_seed
from safepassage.demo.seed import demo_settings_active
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Add demo safe houses, placements and risk assessments (demo data only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_settings_active():
            raise CommandError("Demo data is written only with local or test settings.")
        try:
            result = demo_protection_seed()
        except VaultError as exc:
            raise CommandError(f"{exc} Run `make demo`, which unlocks the demo key ring.") from None
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if result.created:
            self.stdout.write(
                f"Protection: {result.houses} safe houses, {result.placements} placements, "
                f"{result.assessments} risk assessments (one review overdue); "
                "sign in as b1.protection."
            )
        else:
            self.stdout.write("Protection: the demo already has its safe houses; none added.")
