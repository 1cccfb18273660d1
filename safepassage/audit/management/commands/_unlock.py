"""Opening the key ring for an audit command (the chain's K_0 comes from it)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from django.core.management.base import CommandError

from safepassage.vault import api as vault
from safepassage.vault import keyring
from safepassage.vault.exceptions import VaultError


def ensure_vault_open(passphrase_file: str | None) -> None:
    """Unlock from --passphrase-file, the service manager's hand-over, or a prompt."""
    if vault.is_unlocked():
        return
    try:
        if passphrase_file:
            passphrase = Path(passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
            keyring.unlock(passphrase)
            return
        if keyring.try_unlock_from_environment():
            return
        if not sys.stdin.isatty():
            raise CommandError(
                "The key ring is locked: give --passphrase-file or run in a terminal."
            )
        keyring.unlock(getpass.getpass("Key ring passphrase: "))
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read the passphrase file: {exc}") from None
    except VaultError as exc:
        raise CommandError(str(exc) or type(exc).__name__) from None
