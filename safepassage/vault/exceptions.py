"""Typed failures of the vault. None of their messages carries a secret."""

from __future__ import annotations


class VaultError(Exception):
    """Base class: something about keys or ciphertexts is wrong."""


class VaultLocked(VaultError):
    """The key ring is not unlocked in this process; personal data is off limits."""

    def __init__(self, message: str = "The vault is locked.") -> None:
        super().__init__(message)


class KeyRingError(VaultError):
    """The key ring file is missing, unreadable, corrupted or of an unknown version."""


class WrongPassphrase(KeyRingError):
    """The passphrase does not unwrap the root key."""

    def __init__(self) -> None:
        super().__init__("The passphrase does not open this key ring.")


class DecryptionError(VaultError):
    """A ciphertext was altered, swapped, truncated or belongs to another key.

    Raised instead of ever returning raw or partial bytes.
    """


class KeyShredded(DecryptionError):
    """The data key of this value has been destroyed on purpose."""


class UnknownKey(DecryptionError):
    """The ciphertext names a key that this vault does not hold."""
