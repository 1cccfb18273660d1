"""Destroy the key ring on this machine, and the keys of every process here."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.operations.services import vault_panic_trigger
from safepassage.vault import keyring


class Command(BaseCommand):
    help = (
        "PANIC: destroy this machine's key ring file and make every process here "
        "forget its keys at its next decrypt. Nothing stored here can be read "
        "afterwards; headquarters recovers through escrow and backups. "
        "--clear removes the marker after a key ring was recovered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Remove the panic marker (only after vault_recover put a key ring back).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clear"]:
            if not keyring.keyring_path().exists():
                raise CommandError(
                    "No key ring here: recover one first (vault_recover), then clear."
                )
            cleared = keyring.panic_clear()
            self.stdout.write("Panic marker removed." if cleared else "No panic marker here.")
            return
        if not options["yes"]:
            import sys

            if not sys.stdin.isatty():
                raise CommandError("Give --yes (no terminal to confirm in).")
            answer = input("Destroy the key ring on this machine? Type PANIC: ")
            if answer.strip() != "PANIC":
                raise CommandError("Not confirmed; nothing destroyed.")
        report = vault_panic_trigger(actor=None, origin="command")
        self.stdout.write(
            f"PANIC done in {report.seconds * 1000:.0f} ms: {report.files_destroyed} key ring "
            f"file(s) destroyed; audited: {'yes' if report.audited else 'no'}. Every process "
            "of this machine refuses to decrypt from its next key use."
        )
