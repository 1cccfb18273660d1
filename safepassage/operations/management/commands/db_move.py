"""Move a whole instance from its SQLite file (plain or SQLCipher) into an
empty PostgreSQL database (DATABASE_URL), all or nothing, verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.audit.management.commands._unlock import ensure_vault_open
from safepassage.operations.move.run import DEFAULT_BATCH, MoveError, database_move


class Command(BaseCommand):
    help = (
        "Move this instance's SQLite database (plain or SQLCipher) into the empty, "
        "migrated PostgreSQL database named by DATABASE_URL: every table in one "
        "transaction, ciphertexts as bytes, then every table's rows, the files and "
        "the audit head verified; the target is left empty on any failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", required=True, metavar="FILE", help="The unit's SQLite database file."
        )
        parser.add_argument(
            "--source-media",
            metavar="DIR",
            help="The unit's vault-media directory, copied into this instance's "
            "VAULT_MEDIA_ROOT (which must be empty).",
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
        parser.add_argument("--passphrase-file", help="The unit's key ring passphrase.")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_vault_open(options["passphrase_file"])
        source = Path(options["source"])
        media = Path(options["source_media"]) if options["source_media"] else None
        verbose = options["verbosity"] >= 2

        def progress(table: str, rows: int) -> None:
            if verbose:
                self.stdout.write(f"copied {table}: {rows} rows")
                self.stdout.flush()

        try:
            result = database_move(
                source=source,
                source_media=media,
                target_media=Path(settings.VAULT_MEDIA_ROOT),
                batch=options["batch_size"],
                progress=progress,
            )
        except MoveError as exc:
            raise CommandError(f"Refused; nothing committed to the target: {exc}") from None
        self.stdout.write(
            f"OK: {result.engine} database moved: {result.tables} tables and "
            f"{result.rows} rows identical on both sides (count and digest per "
            f"table), {result.files} files; audit_verify passes at head {result.head}"
        )
