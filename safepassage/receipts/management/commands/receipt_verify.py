from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.receipts.services import receipt_check

MAX_FILE = 64 * 1024


class Command(BaseCommand):
    help = (
        "Check a receipt (its printed text, or a file holding it) with the programme's "
        "public keys; with the register, also that it was issued as shown and not "
        "withdrawn. Exits non-zero with the reason on failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("receipt", help="The receipt text (SPR1....) or a file holding it.")
        parser.add_argument(
            "--offline",
            action="store_true",
            help="Public keys only: do not consult the database's register.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        given: str = options["receipt"]
        text = given
        if not given.strip().startswith("SPR1."):
            path = Path(given)
            try:
                if path.stat().st_size > MAX_FILE:
                    raise CommandError("The file is too large to be a receipt.")
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                raise CommandError(
                    "Neither a receipt text (SPR1....) nor a readable file."
                ) from None
        verdict = receipt_check(text, use_register=not options["offline"])
        if not verdict.ok:
            raise CommandError(f"{verdict.status}: {verdict.reason}")
        self.stdout.write(
            self.style.SUCCESS(f"{verdict.number}: {verdict.reason} (key {verdict.key_id})")
        )
