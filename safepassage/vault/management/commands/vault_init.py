from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.vault import keyring
from safepassage.vault.exceptions import KeyRingError

from ._passphrase import read_passphrase


def generate_passphrase(groups: int = 6) -> str:
    """About 124 bits: six groups of five characters from a 32-letter alphabet + 4."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(groups))


class Command(BaseCommand):
    # Key operations must work even when the rest of the configuration does not.
    requires_system_checks: list[str] = []
    help = "Create a new key ring (refuses to replace an existing one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--passphrase-file", help="Read the passphrase from this file.")
        parser.add_argument(
            "--generate-into",
            help="Generate a random passphrase, write it to this file (mode 600) and use it.",
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing if a key ring exists."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = keyring.keyring_path()
        if path.exists() and options["if_missing"]:
            self.stdout.write(f"Key ring already present at {path}.")
            return
        if options["generate_into"]:
            target = Path(options["generate_into"])
            if target.exists():
                passphrase = read_passphrase(str(target))
            else:
                passphrase = generate_passphrase()
                target.parent.mkdir(parents=True, exist_ok=True)
                target.touch(mode=0o600)
                target.write_text(passphrase + "\n", encoding="utf-8")
        else:
            passphrase = read_passphrase(options["passphrase_file"], prompt="New passphrase: ")
        try:
            keyring.keyring_create(passphrase, path=path)
        except KeyRingError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Key ring created at {path}."))
        self.stdout.write(
            "Back it up now, apart from the database: without it and its passphrase "
            "nothing stored can be read."
        )
