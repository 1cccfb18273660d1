"""``manage.py seed_demo_armoury``: weapons, rewards and a caught double claim.

Run by `make demo` after `seed_demo`; once only (a second run adds nothing).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safepassage.demo.armoury import demo_armoury_seed
from safepassage.demo.seed import demo_settings_active
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Add demo weapons, reward claims and one caught double claim (demo data only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_settings_active():
            raise CommandError("Demo data is written only with local or test settings.")
        try:
            result = demo_armoury_seed()
        except VaultError as exc:
            raise CommandError(f"{exc} Run `make demo`, which unlocks the demo key ring.") from None
        if result is None:
            self.stdout.write("Armoury demo: already there (or no cleared demo cases yet).")
            return
        self.stdout.write(
            "Armoury demo: sign in as b1.reward and open Armoury > case "
            f"{result.paid_case} (paid claim, receipts) or {result.pending_case} (claim waiting "
            f"for b1.approver); hq.approver sees the same rifle handed in again on "
            f"{result.double_case} under Duplicate serials."
        )
