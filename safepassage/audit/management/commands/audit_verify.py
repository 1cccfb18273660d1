"""Verify the audit chain from its anchor. Exit 0: intact; exit 1 names the first bad event."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.audit import db_guard
from safepassage.audit.chain import ExternalHead
from safepassage.audit.checkpoint import (
    CheckpointError,
    checkpoint_from_code,
    checkpoint_from_document,
)
from safepassage.audit.verify import parse_head, verify_stored_chain

from ._unlock import ensure_vault_open


class Command(BaseCommand):
    help = (
        "Recompute every audit event's MAC from the key ring's anchor, check the "
        "sequence and the sealed head; name the first bad event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="SEQ:MAC",
            help="A head printed earlier by audit_head and kept elsewhere.",
        )
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            action="append",
            default=[],
            help="A signed checkpoint written by audit_checkpoint (may be repeated).",
        )
        parser.add_argument(
            "--code",
            action="append",
            default=[],
            help="A code printed by audit_checkpoint, e.g. 1234-ABCDE-FGHIJ (may be repeated).",
        )
        parser.add_argument("--passphrase-file")
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        external = None
        if options["expect_head"]:
            try:
                external = parse_head(options["expect_head"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        ensure_vault_open(options["passphrase_file"])
        checkpoints = self._checkpoints(options["checkpoint"], options["code"])
        started = time.monotonic()
        result = verify_stored_chain(
            external_head=external, checkpoints=checkpoints, chunk_size=options["chunk_size"]
        )
        elapsed = time.monotonic() - started

        from django.db import connection

        missing = db_guard.expected_triggers(connection.vendor) - db_guard.present_triggers(
            connection
        )
        if missing:
            self.stderr.write(
                "WARNING: audit triggers missing or disabled: " + ", ".join(sorted(missing))
            )
        if result.ok:
            self.stdout.write(
                f"OK: {result.checked} events checked in {elapsed:.1f} s; "
                f"head {result.last_sequence}:{result.last_mac}"
            )
            for check in checkpoints:
                self.stdout.write(f"OK: event #{check.sequence} matches {check.label}")
            return
        self.stderr.write(
            f"FAILED at event #{result.bad_sequence}: {result.problem}: {result.message} "
            f"({result.checked} events verified before it)"
        )
        sys.exit(1)

    def _checkpoints(self, files: list[str], codes: list[str]) -> list[ExternalHead]:
        checks: list[ExternalHead] = []
        try:
            for name in files:
                try:
                    text = Path(name).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise CommandError(f"Cannot read the checkpoint {name}: {exc}") from None
                checks.append(checkpoint_from_document(text))
            checks.extend(checkpoint_from_code(code) for code in codes)
        except CheckpointError as exc:
            raise CommandError(str(exc)) from None
        return checks
