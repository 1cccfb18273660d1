from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.vault import keyring
from safepassage.vault.binding import unit_binding_mismatches
from safepassage.vault.exceptions import VaultError

from ._passphrase import read_passphrase


class Command(BaseCommand):
    help = (
        "List the rows whose data key is not wrapped under the unit their owning "
        "column names (exit status 1 if any). Decrypts nothing; prints ids only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if not keyring.is_unlocked() and not keyring.try_unlock_from_environment():
                keyring.unlock(read_passphrase(options["passphrase_file"]))
            checked, found = unit_binding_mismatches()
        except VaultError as exc:
            raise CommandError(str(exc)) from None
        for m in found:
            self.stdout.write(f"{m.model} {m.pk}: column names {m.expected}, key is {m.bound}")
        if found:
            raise CommandError(f"{len(found)} of {checked} rows are not under their unit's key.")
        self.stdout.write(self.style.SUCCESS(f"{checked} rows, each under its unit's key."))
