"""``manage.py seed_demo_grievances``: two complaints to headquarters and a
check-in waiting on the web form (demo only). Run by `make demo` after
`seed_demo_reintegration`; a second run adds nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.demo.grievances import demo_grievances_seed
from safepassage.demo.seed import demo_settings_active
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Add demo complaints and a channel check-in (demo data only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_settings_active():
            raise CommandError("Demo data is written only with local or test settings.")
        try:
            seed = demo_grievances_seed()
        except VaultError as exc:
            raise CommandError(f"{exc} Run `make demo`, which unlocks the demo key ring.") from None
        if seed is None:
            self.stdout.write("Grievances demo: already there (or no demo units yet).")
            return
        self.stdout.write(
            f"Grievances demo: {seed.complaints} complaints for hq.protection; "
            f"{seed.checkins} check-in(s) sent."
        )
        self.stdout.write(
            f"  Answer the check-in at /contact/resume/ with {seed.code} and {seed.receipt}; "
            "b1.caseworker then confirms it on the plan."
        )
