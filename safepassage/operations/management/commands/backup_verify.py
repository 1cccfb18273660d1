"""Check a backup's integrity and signature without decrypting it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from safepassage.operations.backup.container import BackupError, header_check


class Command(BaseCommand):
    help = (
        "Verify a backup file without any secret: header signature (against --signer "
        "when given), payload length and SHA-256, age header. Exit 1 names the fault."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", metavar="FILE")
        parser.add_argument(
            "--signer",
            metavar="HEX",
            help="The instance's backup signing key as headquarters pinned it "
            "(printed by backup_create and vault_escrow).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            header = header_check(Path(options["backup"]), signer=options["signer"])
        except BackupError as exc:
            self.stderr.write(f"FAILED: {exc}")
            sys.exit(1)
        pinned = "pinned signer" if options["signer"] else "signer NOT pinned (give --signer)"
        self.stdout.write(
            f"OK: instance {header.instance}, made {header.data['created_at']}, "
            f"{header.vendor}, {header.data['payload']['bytes']} payload bytes, "
            f"signature valid ({pinned})"
        )
