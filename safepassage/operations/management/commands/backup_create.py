"""Write a backup that only headquarters' age identity can open."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.audit.management.commands._unlock import ensure_vault_open
from safepassage.operations.backup.container import BackupError
from safepassage.operations.backup.create import backup_create, configured_recipients, rotate


class Command(BaseCommand):
    help = (
        "Snapshot the database, the key ring (still wrapped) and the encrypted files; "
        "encrypt them to headquarters' age public key(s); sign the header. This "
        "machine cannot read the result."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--output", metavar="FILE", help="The backup file to write.")
        where.add_argument(
            "--output-dir",
            metavar="DIR",
            help="Write DIR/safepassage-<instance>-<UTC time>.spbackup (the timer's way).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="With --output-dir: then delete all but the newest KEEP backups there.",
        )
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="Headquarters' age public key (age1...); repeatable. Default: "
            "SAFEPASSAGE_BACKUP_RECIPIENTS.",
        )
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_vault_open(options["passphrase_file"])
        recipients = options["recipient"] or configured_recipients()
        from safepassage.vault import api as vault

        if options["output"]:
            output = Path(options["output"])
        else:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            output = Path(options["output_dir"]) / (
                f"safepassage-{vault.instance_id()}-{stamp}.spbackup"
            )
        try:
            result = backup_create(output=output, recipients=recipients)
            removed = (
                rotate(output.parent, keep=options["keep"])
                if options["output_dir"] and options["keep"]
                else []
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"OK: {result.path} (instance {result.instance}; {result.tables} tables, "
            f"{result.rows} rows, {result.files} files; audit head {result.head}; "
            f"signer {result.signer})"
        )
        for path in removed:
            self.stdout.write(f"rotated out: {path.name}")
