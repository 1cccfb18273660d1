"""What other apps may use of the vault beyond encrypted fields.

- `system_secret(name)`: a 32-byte secret from the key ring that survives
  root rotations ("blind-index", "audit-anchor", "seal");
- `derive_key(name, purpose)`: an independent sub-key of one of those
  (HKDF-SHA256), so that no two uses share a key;
- `seal` / `unseal`: authenticated encryption of small system values (no
  case's data key applies) bound to a context string.

All raise VaultLocked while the key ring is locked.
"""

from __future__ import annotations

import uuid

from . import crypto, keyring
from .exceptions import DecryptionError, VaultLocked

__all__ = [
    "DecryptionError",
    "VaultLocked",
    "backup_signing_seed",
    "derive_key",
    "ensure_unlocked",
    "instance_id",
    "is_unlocked",
    "seal",
    "system_secret",
    "unseal",
]

# A fixed id for the sealing key: the envelope format wants one, and the
# sealing secret is identified by its name, not by rotation generations.
_SEAL_KEY_ID = uuid.UUID("5ea1ed00-0000-4000-8000-000000000001")

system_secret = keyring.system_secret
is_unlocked = keyring.is_unlocked
ensure_unlocked = keyring.ensure_unlocked


def derive_key(name: str, purpose: str) -> bytes:
    return crypto.hkdf(keyring.system_secret(name), f"safepassage/{name}/{purpose}")


def seal(plaintext: bytes, *, context: str) -> bytes:
    return crypto.encrypt(derive_key("seal", "system-values"), _SEAL_KEY_ID, plaintext, context)


def unseal(envelope: bytes, *, context: str) -> bytes:
    """Raises DecryptionError if the envelope was altered or sealed for another context."""
    return crypto.decrypt(derive_key("seal", "system-values"), envelope, context)


def instance_id() -> str:
    """This installation's name for backups and escrow: 16 hex digits derived
    from the audit anchor, so the same across passphrase changes, root and
    blind-index rotations, and different for every key ring ever created.
    Raises VaultLocked."""
    return derive_key("audit-anchor", "instance-id-v1")[:8].hex()


def backup_signing_seed() -> bytes:
    """The 32-byte Ed25519 seed that signs this installation's backups.
    Raises VaultLocked."""
    return derive_key("audit-anchor", "backup-signing-v1")
