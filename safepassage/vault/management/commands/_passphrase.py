"""How vault commands obtain a passphrase, without echo and without argv.

A passphrase on the command line would land in shell history and in
`ps`; it is read from a file (--passphrase-file, or the file the service
manager hands over) or typed at a prompt.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from django.core.management.base import CommandError

from safepassage.vault import keyring
from safepassage.vault.exceptions import KeyRingError


def read_passphrase(path: str | None, *, prompt: str = "Key ring passphrase: ") -> str:
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read the passphrase file: {exc}") from None
    try:
        handed_over = keyring.passphrase_from_environment()
    except KeyRingError as exc:
        raise CommandError(str(exc)) from None
    if handed_over is not None:
        return handed_over
    if not sys.stdin.isatty():
        raise CommandError(
            "No passphrase: give --passphrase-file, set SAFEPASSAGE_PASSPHRASE_FILE, "
            "or run this command in a terminal."
        )
    return getpass.getpass(prompt)
