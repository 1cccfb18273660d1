"""Escrow of a key ring to headquarters, split among officers (SLIP-39).

`escrow_create` draws a fresh 256-bit escrow key, encrypts this key ring's
material (root keys and system secrets, as `keyring.material_export` gives
them) under it with AES-256-GCM, and splits the escrow key into N SLIP-39
shares, any k of which rebuild it (`shamir-mnemonic`, the reference
implementation). Each share is 33 English words with its own checksum, so a
mistyped word is caught at once and named.

Why the key and not the material itself: SLIP-39 shares grow with the
secret (about 10 words per 16 bytes). The material is ~200 bytes, which
would make shares of 150 words; a 32-byte key keeps them at 33.

The escrow document (JSON) holds only the encrypted material, the instance
it belongs to and the threshold: without k shares it is useless, so it can
sit beside the key ring (backups carry it) and at headquarters. The shares
go to N officers, one each, on paper; nobody alone can recover.

`escrow_recover` combines k shares, opens the document and writes a new
key ring under a new passphrase (`keyring.material_import`). Fewer than k
shares, shares of another split, a mistyped word or another instance's
document: a refusal that says which, and nothing written.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shamir_mnemonic
from django.conf import settings

from . import crypto, keyring
from .exceptions import DecryptionError, KeyRingError

FORMAT = "safepassage-escrow"
VERSION = 1
_KEY_ID = crypto.new_key_id  # a fresh id per escrow (the envelope wants one)
MAX_SHARES = 16  # SLIP-39's limit for one group


class EscrowError(KeyRingError):
    """Shares or an escrow document that cannot recover a key ring (the reason says why)."""


@dataclass(frozen=True)
class Escrow:
    document: dict[str, Any]
    shares: list[str]


def escrow_path() -> Path:
    configured = getattr(settings, "VAULT_ESCROW_PATH", None)
    return Path(configured) if configured else keyring.keyring_path().with_name("escrow.json")


def _purpose(instance: str) -> str:
    return f"escrow/v{VERSION}/{instance}"


def escrow_create(*, threshold: int, shares: int, instance: str) -> Escrow:
    """Split this key ring's material among `shares` officers, `threshold` to
    recover. Raises VaultLocked, ValueError for impossible numbers."""
    if not 1 <= threshold <= shares <= MAX_SHARES:
        raise ValueError(f"Need 1 <= threshold <= shares <= {MAX_SHARES}.")
    if threshold == 1 and shares > 1:
        raise ValueError("A threshold of 1 would let any single officer recover alone.")
    material = keyring.material_export()
    escrow_key = crypto.new_key()
    key_id = _KEY_ID()
    envelope = crypto.encrypt(escrow_key, key_id, material, _purpose(instance))
    groups = shamir_mnemonic.generate_mnemonics(
        group_threshold=1, groups=[(threshold, shares)], master_secret=escrow_key
    )
    document = {
        "format": FORMAT,
        "version": VERSION,
        "instance": instance,
        "threshold": threshold,
        "shares": shares,
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "envelope": base64.b64encode(envelope).decode("ascii"),
    }
    return Escrow(document=document, shares=list(groups[0]))


def escrow_write(document: dict[str, Any], path: Path | None = None) -> Path:
    """Write the escrow document (atomically, 0600) beside the key ring."""
    path = path or escrow_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        json.dump(document, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def escrow_read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        raise EscrowError(f"No escrow document at {path}.") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise EscrowError(f"The escrow document cannot be read ({type(exc).__name__}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EscrowError("That file is not a SafePassage escrow document.")
    if data.get("version") != VERSION:
        raise EscrowError("The escrow document has an unknown version.")
    return data


def _normalise(share: str) -> str:
    return " ".join(share.lower().split())


def escrow_open(document: dict[str, Any], shares: list[str]) -> bytes:
    """The key material, from `threshold` shares. Raises EscrowError."""
    given = [_normalise(s) for s in shares if s.strip()]
    threshold = int(document.get("threshold", 0))
    if len(set(given)) < threshold:
        raise EscrowError(
            f"{len(set(given))} distinct share(s) given; this escrow needs {threshold}."
        )
    try:
        escrow_key = shamir_mnemonic.combine_mnemonics(given)
    except shamir_mnemonic.MnemonicError as exc:
        # The library's message names the problem (checksum, a different
        # split, too few) and at most a share's first four words, which
        # carry its identifier and index, not its secret part.
        raise EscrowError(f"The shares do not combine: {exc}") from None
    try:
        envelope = base64.b64decode(document["envelope"], validate=True)
        return crypto.decrypt(escrow_key, envelope, _purpose(str(document["instance"])))
    except (KeyError, ValueError, TypeError):
        raise EscrowError("The escrow document is corrupted.") from None
    except DecryptionError:
        raise EscrowError(
            "These shares do not open this escrow document (shares of another "
            "escrow, or an altered document)."
        ) from None


def escrow_recover(
    *, document: dict[str, Any], shares: list[str], passphrase: str, path: Path | None = None
) -> Path:
    """Write a new key ring from k shares, under `passphrase`. Raises EscrowError
    or KeyRingError (an existing key ring is never overwritten)."""
    material = escrow_open(document, shares)
    return keyring.material_import(material, passphrase, path=path)
