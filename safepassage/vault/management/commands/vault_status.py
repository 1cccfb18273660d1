from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.vault import keyring
from safepassage.vault.exceptions import KeyRingError

from ._passphrase import read_passphrase


class Command(BaseCommand):
    # Key operations must work even when the rest of the configuration does not.
    requires_system_checks: list[str] = []
    help = "Describe the key ring (no secrets) and, with --check, test the passphrase."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Try to unlock it.")
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            description = keyring.keyring_describe()
        except KeyRingError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(description, indent=2))
        if options["check"]:
            try:
                keyring.unlock(read_passphrase(options["passphrase_file"]))
            except KeyRingError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(self.style.SUCCESS("The passphrase opens the key ring."))
