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
        "Rotate keys: a new root key, new unit keys (data keys rewrapped) and a new "
        "blind-index master (every index rebuilt) and a new receipt-signing key (old public "
        "keys kept); with --data-keys also new data keys, "
        "re-encrypting every value. Stop the product (web server and db_worker) first: "
        "running processes keep the old keys in memory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--passphrase-file")
        parser.add_argument(
            "--data-keys", action="store_true", help="Also re-encrypt every stored value."
        )
        parser.add_argument(
            "--keep-blind-index",
            action="store_true",
            help="Leave the blind-index master (and every index) as it is.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = read_passphrase(options["passphrase_file"])
        self.stderr.write(
            "Rotating keys: the web server and db_worker must be stopped, and started "
            "again afterwards (they hold the old keys in memory)."
        )
        try:
            report = rotation.rotate_all(
                passphrase=passphrase,
                data_keys=options["data_keys"],
                blind_index=not options["keep_blind_index"],
            )
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
                "blind_index_rotated": report.blind_index is not None,
                "blind_index_rows": report.blind_index.rows_reindexed if report.blind_index else 0,
                "receipt_key": report.receipt_key_id,
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
        self.stdout.write(
            self.style.SUCCESS(
                f"New receipt-signing key {report.receipt_key_id} "
                "(earlier public keys kept for verification)."
            )
        )
        if report.blind_index is not None:
            resumed = " (an interrupted rotation finished)" if report.blind_index.resumed else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"Blind-index master replaced{resumed}: "
                    f"{report.blind_index.rows_reindexed} rows re-indexed."
                )
            )
