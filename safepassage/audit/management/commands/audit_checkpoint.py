"""Verify the chain, then write a signed checkpoint of its head for headquarters."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from safepassage.audit.checkpoint import checkpoint_code, checkpoint_document
from safepassage.audit.verify import verify_stored_chain

from ._unlock import ensure_vault_open


class Command(BaseCommand):
    help = (
        "Verify the chain, then write a signed checkpoint of its head (--output FILE) "
        "and print a short code to write on paper. Keep both away from this server; "
        "later `audit_verify --checkpoint FILE` or `--code CODE` catches a rollback."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", metavar="FILE", help="Where to write the checkpoint.")
        parser.add_argument("--passphrase-file")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_vault_open(options["passphrase_file"])
        # Verify first: a checkpoint of a forged chain would bless it.
        result = verify_stored_chain()
        if not result.ok:
            self.stderr.write(
                f"No checkpoint: the chain fails at event #{result.bad_sequence}: "
                f"{result.message}. Run audit_verify."
            )
            sys.exit(1)
        sequence, mac = result.last_sequence, result.last_mac
        if options["output"]:
            path = Path(options["output"])
            document = checkpoint_document(sequence=sequence, mac=mac, made_at=timezone.now())
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(document + "\n")
            except OSError as exc:
                raise CommandError(f"Cannot write the checkpoint: {exc.strerror}") from None
            self.stdout.write(f"Checkpoint of event #{sequence} written to {path}")
        self.stdout.write(f"Code for paper: {checkpoint_code(sequence=sequence, mac=mac)}")
