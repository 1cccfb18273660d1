"""Rebuild a key ring from k officers' escrow shares, under a new passphrase."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.vault import escrow, keyring
from safepassage.vault.exceptions import KeyRingError
from safepassage.vault.management.commands._passphrase import read_passphrase


class Command(BaseCommand):
    help = (
        "Recover a lost or destroyed key ring from its escrow document and k SLIP-39 "
        "shares; write it under a new passphrase. Fewer than k shares, a mistyped "
        "word or shares of another escrow are refused and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--escrow-file", metavar="FILE", help="Default: the copy beside the key ring."
        )
        parser.add_argument(
            "--share-file",
            action="append",
            default=[],
            help="A file holding one share's words (repeatable). Without any, the "
            "shares are typed at a prompt, one per line, an empty line to end.",
        )
        parser.add_argument(
            "--new-passphrase-file",
            help="The passphrase for the recovered key ring (at least 12 characters).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["escrow_file"]) if options["escrow_file"] else escrow.escrow_path()
        try:
            document = escrow.escrow_read(path)
        except KeyRingError as exc:
            raise CommandError(str(exc)) from None
        shares = [self._read(p) for p in options["share_file"]] or self._prompt(document)
        passphrase = read_passphrase(
            options["new_passphrase_file"], prompt="New key ring passphrase: "
        )
        try:
            written = escrow.escrow_recover(document=document, shares=shares, passphrase=passphrase)
        except KeyRingError as exc:
            raise CommandError(f"Refused, no key ring written: {exc}") from None
        cleared = keyring.panic_clear()
        self.stdout.write(
            f"OK: key ring of instance {document['instance']} recovered to {written}"
            + ("; panic marker removed" if cleared else "")
            + ". Unlock it with the new passphrase."
        )

    def _read(self, name: str) -> str:
        try:
            return Path(name).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read the share file: {exc}") from None

    def _prompt(self, document: dict[str, Any]) -> list[str]:
        if not sys.stdin.isatty():
            raise CommandError("Give --share-file (no terminal to type the shares in).")
        self.stdout.write(f"Type {document.get('threshold')} shares, one per line:")
        shares = []
        while line := input("> ").strip():
            shares.append(line)
        return shares
