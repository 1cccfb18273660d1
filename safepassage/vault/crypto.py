"""The vault's primitives: AES-256-GCM with bound context, HKDF, HMAC.

Every ciphertext the vault produces has the same envelope::

    version (1 byte) | key id (16 bytes) | nonce (12 bytes) | ciphertext+tag

and is authenticated together with associated data that names what the
value is *for* (a table, column and row, or a wrapping purpose) and the
key id. Moving a value to another row or column, or presenting it under
another key id, changes the associated data and the tag check fails.

Nonces are 96 random bits from the OS. With a key per case the number of
encryptions under one key stays far below 2**32, where random nonces
become a risk for GCM (NIST SP 800-38D, 8.3).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .exceptions import DecryptionError

VERSION = 1
KEY_BYTES = 32
KEY_ID_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES
MIN_ENVELOPE_BYTES = HEADER_BYTES + TAG_BYTES


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def new_key_id() -> uuid.UUID:
    return uuid.uuid4()


def associated_data(purpose: str, key_id: uuid.UUID) -> bytes:
    """Bind a ciphertext to what it is for and to the key that made it."""
    return _associated_data(purpose, key_id.bytes)


def _associated_data(purpose: str, key_id: bytes) -> bytes:
    return b"safepassage/v1\x00" + purpose.encode("utf-8") + b"\x00" + key_id


def encrypt(key: bytes, key_id: uuid.UUID, plaintext: bytes, purpose: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, plaintext, associated_data(purpose, key_id))
    return bytes([VERSION]) + key_id.bytes + nonce + body


def envelope_key_bytes(envelope: bytes) -> bytes:
    """The 16 bytes of the key id a ciphertext claims; authenticated only by `decrypt`."""
    if len(envelope) < MIN_ENVELOPE_BYTES or envelope[0] != VERSION:
        raise DecryptionError("The stored value is not a vault ciphertext.")
    return bytes(envelope[1 : 1 + KEY_ID_BYTES])


def envelope_key_id(envelope: bytes) -> uuid.UUID:
    """The key id a ciphertext claims; authenticated only by `decrypt`."""
    return uuid.UUID(bytes=envelope_key_bytes(envelope))


def decrypt(key: bytes, envelope: bytes, purpose: str) -> bytes:
    key_id = envelope_key_bytes(envelope)
    nonce = bytes(envelope[1 + KEY_ID_BYTES : HEADER_BYTES])
    body = bytes(envelope[HEADER_BYTES:])
    try:
        return AESGCM(key).decrypt(nonce, body, _associated_data(purpose, key_id))
    except InvalidTag:
        raise DecryptionError(
            "A stored value failed its integrity check: it was altered, moved or "
            "encrypted under another key."
        ) from None


def hkdf(secret: bytes, info: str, length: int = KEY_BYTES) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=info.encode("utf-8")
    ).derive(secret)


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
