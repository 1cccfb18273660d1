"""Upgrade step: conversations handed over before the unit binding of
handed-over conversations move to their case's unit key (ids only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.intake.unit_binding import conversations_bind_to_cases
from safepassage.vault import keyring
from safepassage.vault.exceptions import VaultError


class Command(BaseCommand):
    help = (
        "Move the keys of conversations joined to a case from their channel's scope "
        "to the case's unit (once, after upgrading); then run vault_check_units."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        from safepassage.vault.management.commands._passphrase import read_passphrase

        try:
            if not keyring.is_unlocked() and not keyring.try_unlock_from_environment():
                keyring.unlock(read_passphrase(options["passphrase_file"]))
            moved, refused = conversations_bind_to_cases()
        except VaultError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{moved} conversation contacts moved to their case's unit key.")
        if refused:
            raise CommandError(
                f"{refused} keys were not under their channel's scope: "
                "see vault_check_units and docs/security.md (Unit binding)."
            )
