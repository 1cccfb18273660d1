"""Typed failures of the vault. None of their messages carries a secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


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


@dataclass(frozen=True)
class RowRef:
    """Which stored row failed to open, by identifiers only (never a value):
    the model's label ("cases.person"), its primary key, its vault id and
    the data key its row names."""

    model: str
    pk: str
    vault_id: uuid.UUID | None = None
    data_key_id: uuid.UUID | None = None


class DecryptionError(VaultError):
    """A ciphertext was altered, swapped, truncated or belongs to another key.

    Raised instead of ever returning raw or partial bytes. `row` names the
    row that failed where the reader knew it (attribute access on a model
    instance, `rows.decrypted_values`), so that the failure can be
    reported without reading the row again.
    """

    row: RowRef | None = None


class KeyShredded(DecryptionError):
    """The data key of this value has been destroyed on purpose."""


class UnknownKey(DecryptionError):
    """The ciphertext names a key that this vault does not hold."""


class UnitMismatch(DecryptionError):
    """A record names one owning unit, its data key is wrapped under another's.

    The unit column was changed outside a transfer (or the key was moved
    without it): refused like any other tampering. Carries the model label,
    the row's primary key and both scopes (no secret, nothing personal) for
    the audit alert.
    """

    def __init__(self, *, model: str, pk: object, expected: str, bound: str) -> None:
        super().__init__("A record's owning unit does not match the unit its key is wrapped under.")
        self.model = model
        self.pk = pk
        self.expected = expected
        self.bound = bound
        #: Set by the audit receiver once the alert is written.
        self.audit_event_id: int | None = None
