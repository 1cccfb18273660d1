from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.vault import rotation
from safepassage.vault.exceptions import VaultError

from ._passphrase import read_passphrase


class Command(BaseCommand):
    # Key operations must work even when the rest of the configuration does not.
    requires_system_checks: list[str] = []
    help = (
        "Rotate keys: a new root key and new unit keys (data keys rewrapped); "
        "with --data-keys also new data keys, re-encrypting every value."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--passphrase-file")
        parser.add_argument(
            "--data-keys", action="store_true", help="Also re-encrypt every stored value."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = read_passphrase(options["passphrase_file"])
        try:
            report = rotation.rotate_all(passphrase=passphrase, data_keys=options["data_keys"])
        except VaultError as exc:
            raise CommandError(str(exc)) from None
        from safepassage.audit.services import audit_record

        audit_record(
            actor=None,
            action="vault.keys_rotated",
            details={
                "unit_keys": report.unit_keys_rotated,
                "data_keys_rewrapped": report.data_keys_rewrapped,
                "data_keys_rotated": report.data_keys_rotated,
                "roots_retired": len(report.retired_roots),
            },
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Rotated: root key ({len(report.retired_roots)} retired), "
                f"{report.unit_keys_rotated} unit keys, "
                f"{report.data_keys_rewrapped} data keys rewrapped, "
                f"{report.data_keys_rotated} data keys replaced."
            )
        )
