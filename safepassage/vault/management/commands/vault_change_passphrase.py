from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.vault import keyring
from safepassage.vault.exceptions import KeyRingError

from ._passphrase import read_passphrase


class Command(BaseCommand):
    # Key operations must work even when the rest of the configuration does not.
    requires_system_checks: list[str] = []
    help = "Rewrap the root key under a new passphrase."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--passphrase-file", help="The current passphrase.")
        parser.add_argument("--new-passphrase-file", help="The new passphrase.")

    def handle(self, *args: Any, **options: Any) -> None:
        old = read_passphrase(options["passphrase_file"], prompt="Current passphrase: ")
        new = read_passphrase(options["new_passphrase_file"], prompt="New passphrase: ")
        try:
            keyring.change_passphrase(old, new)
        except KeyRingError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS("Passphrase changed. Update the service credential."))
