"""``manage.py seed_demo_intake``: prepared replies and one invented web-form
conversation for the demo. Run by `make demo`; a second run adds nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safepassage.demo.intake import demo_intake_seed
from safepassage.demo.seed import demo_settings_active
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = "Add demo prepared replies and a demo web-form conversation (demo data only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_settings_active():
            raise CommandError("Demo data is written only with local or test settings.")
        try:
            result = demo_intake_seed()
        except VaultError as exc:
            raise CommandError(f"{exc} Run `make demo`, which unlocks the demo key ring.") from None
        out = self.stdout
        out.write("Advance contact: write to http://127.0.0.1:8000/contact/ (no sign-in);")
        out.write(
            "  hq.intake reads it at http://127.0.0.1:8000/intake/"
            + (f" (demo conversation {result.code} is there)" if result.code else "")
        )
        words = ", ".join(settings.INTAKE_DURESS_WORDS) or "none configured"
        out.write(f"  duress words (SAFEPASSAGE_INTAKE_DURESS_WORDS): {words}")
