"""``manage.py seed_demo_screening``: double registrations and a watch-list for the demo.

Run by `make demo` after `seed_demo`; once only (a second run adds nothing).
Prints the case codes to open, so a newcomer sees the screening panel at work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.demo.screening import demo_screening_seed
from safepassage.demo.seed import demo_settings_active
from safepassage.vault.exceptions import VaultError

#: The demo's case codes to open, kept beside the demo database (invented
#: data only) so that a second `make demo` prints them again.
REMEMBERED = "demo-screening.txt"


class Command(BaseCommand):
    help = "Add demo double registrations and a demo watch-list (demo data only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_settings_active():
            raise CommandError("Demo data is written only with local or test settings.")
        try:
            result = demo_screening_seed(seed=options["seed"])
        except VaultError as exc:
            raise CommandError(f"{exc} Run `make demo`, which unlocks the demo key ring.") from None
        remembered = Path(settings.VAR_DIR) / REMEMBERED
        if result is None:
            if remembered.exists():  # a second `make demo`: the same codes again
                self.stdout.write(remembered.read_text(encoding="utf-8").rstrip("\n"))
            else:
                self.stdout.write("Screening demo: already there (or no demo people yet).")
            return
        lines = ["Screening demo: sign in as the user named, open the case, then Screening."]
        for first, second, officer in result.double_registrations:
            lines.append(
                f"  {second} ({officer}) is a double registration of {first} (another unit)"
            )
        lines.append(
            "  like someone on the demo watch-list, which hq.screening keeps: "
            + ", ".join(f"{code} ({officer})" for code, officer in result.watched_cases)
        )
        text = "\n".join(lines)
        self.stdout.write(text)
        remembered.parent.mkdir(parents=True, exist_ok=True)
        remembered.write_text(text + "\n", encoding="utf-8")
