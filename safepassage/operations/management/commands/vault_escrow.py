"""Split this key ring among headquarters officers: any k of n recover it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from safepassage.audit.management.commands._unlock import ensure_vault_open
from safepassage.audit.services import audit_record
from safepassage.operations.backup.container import signer_public_hex
from safepassage.vault import api as vault
from safepassage.vault import escrow


class Command(BaseCommand):
    help = (
        "Escrow this key ring to headquarters: write the escrow document (the key "
        "material encrypted under a fresh key) and split that key into --shares "
        "SLIP-39 word lists, any --threshold of which recover it (vault_recover)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threshold", "-k", type=int, required=True)
        parser.add_argument("--shares", "-n", type=int, required=True)
        parser.add_argument(
            "--shares-dir",
            metavar="DIR",
            help="Write share-1.txt ... share-N.txt here (one per officer, mode 0600) "
            "instead of printing them.",
        )
        parser.add_argument(
            "--escrow-file",
            metavar="FILE",
            help="Where to write the escrow document (default: beside the key ring).",
        )
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_vault_open(options["passphrase_file"])
        instance = vault.instance_id()
        try:
            made = escrow.escrow_create(
                threshold=options["threshold"], shares=options["shares"], instance=instance
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        target = Path(options["escrow_file"]) if options["escrow_file"] else None
        written = escrow.escrow_write(made.document, target)
        if target is not None and target != escrow.escrow_path():
            escrow.escrow_write(made.document)  # backups carry the local copy
        with transaction.atomic():
            audit_record(
                actor=None,
                action="vault.escrow_made",
                details={"threshold": options["threshold"], "shares": options["shares"]},
            )
        self.stdout.write(
            f"Escrow document: {written} (instance {instance}; send a copy to headquarters)."
        )
        self.stdout.write(
            f"Backup signing key of this instance (headquarters pins it): "
            f"{signer_public_hex(vault.backup_signing_seed())}"
        )
        if options["shares_dir"]:
            out = Path(options["shares_dir"])
            out.mkdir(parents=True, exist_ok=True)
            for number, words in enumerate(made.shares, start=1):
                path = out / f"share-{number}.txt"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(words + "\n")
            self.stdout.write(
                f"{len(made.shares)} shares written to {out}; any {options['threshold']} "
                "recover. Give one to each officer, then destroy the files."
            )
            return
        for number, words in enumerate(made.shares, start=1):
            self.stdout.write(f"\nShare {number} of {len(made.shares)}:\n{words}")
        self.stdout.write(f"\nAny {options['threshold']} of these recover the key ring.")
