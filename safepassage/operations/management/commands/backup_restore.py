"""Restore a backup into an empty instance; all or nothing; ends with audit_verify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.audit.management.commands._unlock import ensure_vault_open
from safepassage.operations.backup.container import BackupError
from safepassage.operations.backup.restore import backup_restore
from safepassage.vault import keyring


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_create into this (empty) instance, with "
        "headquarters' age identity. Refuses a non-empty database without --force, "
        "another instance's backup, and any damaged file; checks every table and "
        "file afterwards and runs audit_verify against the backup's head."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", metavar="FILE")
        parser.add_argument(
            "--identity",
            action="append",
            required=True,
            help="A file holding headquarters' age secret key (AGE-SECRET-KEY-1...).",
        )
        parser.add_argument("--signer", metavar="HEX", help="The pinned signing key.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that is not empty (everything in it is lost).",
        )
        parser.add_argument(
            "--passphrase-file",
            help="The key ring passphrase: this machine's, or the backup's when this "
            "machine has no key ring yet.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = None
        if keyring.keyring_path().exists():
            ensure_vault_open(options["passphrase_file"])
        elif options["passphrase_file"]:
            from safepassage.vault.management.commands._passphrase import read_passphrase

            passphrase = read_passphrase(options["passphrase_file"])
        else:
            passphrase = keyring.passphrase_from_environment()
        try:
            result = backup_restore(
                path=Path(options["backup"]),
                identities=[Path(p) for p in options["identity"]],
                force=options["force"],
                signer=options["signer"],
                passphrase=passphrase,
            )
        except BackupError as exc:
            raise CommandError(f"Refused, nothing restored: {exc}") from None
        self.stdout.write(
            f"OK: instance {result.instance} restored: {result.tables} tables and "
            f"{result.rows} rows identical to the backup, {result.files} files; "
            f"audit_verify passes at head {result.head}"
        )
