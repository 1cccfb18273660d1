"""The backup file: a signed clear header, then an age-encrypted payload.

    SAFEPASSAGE-BACKUP/1\\n
    {header JSON on one line}\\n
    age-encryption.org/v1 ... (the payload, encrypted to headquarters)

The header says only what is needed to check the file without opening it:
the instance (16 hex digits derived from the key ring), when it was made,
the database vendor, the payload's SHA-256 and length, the age recipients
(headquarters' public keys) and an Ed25519 signature by the instance's
backup key (derived from its key ring; its public half is in the header
and should be pinned by headquarters: `backup_verify --signer`). No
counts, no table names, no codes: those are inside the payload.

`header_check` verifies all of that and the age header's shape, without
any secret: `backup_verify` and the first step of `backup_restore`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

MAGIC = b"SAFEPASSAGE-BACKUP/1\n"
AGE_MAGIC = b"age-encryption.org/v1\n"
FORMAT = "safepassage-backup"
VERSION = 1
MAX_HEADER_BYTES = 64 * 1024
_SIGNED_FIELDS = ("format", "version", "instance", "created_at", "vendor", "payload", "recipients")


class BackupError(Exception):
    """A backup that cannot be made, checked or restored; the message says why."""


@dataclass(frozen=True)
class Header:
    data: dict[str, Any]
    payload_offset: int

    @property
    def instance(self) -> str:
        return str(self.data["instance"])

    @property
    def vendor(self) -> str:
        return str(self.data["vendor"])

    @property
    def signer(self) -> str:
        return str(self.data["signer"])


def _signed_bytes(data: dict[str, Any]) -> bytes:
    body = {k: data[k] for k in _SIGNED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def header_make(
    *,
    instance: str,
    created_at: str,
    vendor: str,
    payload_sha256: str,
    payload_bytes: int,
    recipients: list[str],
    signing_seed: bytes,
) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(signing_seed)
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "instance": instance,
        "created_at": created_at,
        "vendor": vendor,
        "payload": {"sha256": payload_sha256, "bytes": payload_bytes},
        "recipients": recipients,
    }
    data["signer"] = key.public_key().public_bytes_raw().hex()
    data["signature"] = key.sign(_signed_bytes(data)).hex()
    return MAGIC + json.dumps(data, sort_keys=True).encode("ascii") + b"\n"


def signer_public_hex(signing_seed: bytes) -> str:
    return Ed25519PrivateKey.from_private_bytes(signing_seed).public_key().public_bytes_raw().hex()


def _read_header(fh: IO[bytes]) -> Header:
    if fh.read(len(MAGIC)) != MAGIC:
        raise BackupError("Not a SafePassage backup (the first line is wrong).")
    line = fh.readline(MAX_HEADER_BYTES + 1)
    if not line.endswith(b"\n") or len(line) > MAX_HEADER_BYTES:
        raise BackupError("The backup's header is truncated or too long.")
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise BackupError("The backup's header is not valid JSON.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("The backup's header is not a SafePassage backup header.")
    if data.get("version") != VERSION:
        raise BackupError("The backup has an unknown version.")
    for key in (*_SIGNED_FIELDS, "signer", "signature"):
        if key not in data:
            raise BackupError(f"The backup's header lacks {key!r}.")
    payload = data["payload"]
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("sha256"), str)
        and isinstance(payload.get("bytes"), int)
    ):
        raise BackupError("The backup's header describes its payload badly.")
    return Header(data=data, payload_offset=len(MAGIC) + len(line))


def _check_signature(data: dict[str, Any], pinned: str | None) -> None:
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(data["signer"]))
        public.verify(bytes.fromhex(data["signature"]), _signed_bytes(data))
    except (ValueError, TypeError, InvalidSignature):
        raise BackupError("The backup's header is not signed by the key it names.") from None
    if pinned is not None and pinned.strip().lower() != data["signer"]:
        raise BackupError(
            "The backup is signed by another instance's key than the one given (--signer)."
        )


def _age_stanzas(fh: IO[bytes]) -> int:
    """Count the recipient stanzas of the age header; raise if it is malformed."""
    if fh.read(len(AGE_MAGIC)) != AGE_MAGIC:
        raise BackupError("The payload is not in the age format.")
    stanzas = 0
    for _ in range(1000):
        line = fh.readline(4096)
        if not line.endswith(b"\n"):
            raise BackupError("The payload's age header is truncated.")
        if line.startswith(b"-> "):
            stanzas += 1
        elif line.startswith(b"---"):
            return stanzas
    raise BackupError("The payload's age header does not end.")


def header_check(path: Path, *, signer: str | None = None) -> Header:
    """Verify a backup file without decrypting it. Raises BackupError naming the fault."""
    try:
        with path.open("rb") as fh:
            header = _read_header(fh)
            _check_signature(header.data, signer)
            digest = hashlib.sha256()
            size = 0
            start = fh.tell()
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
            expected = header.data["payload"]
            if size != expected["bytes"]:
                raise BackupError(
                    f"The backup is truncated or padded: {size} payload bytes, "
                    f"{expected['bytes']} expected."
                )
            if digest.hexdigest() != expected["sha256"]:
                raise BackupError("The backup's payload was altered (its SHA-256 differs).")
            fh.seek(start)
            stanzas = _age_stanzas(fh)
    except OSError as exc:
        raise BackupError(f"The backup cannot be read: {exc.strerror}.") from None
    # age adds one "grease" stanza of its own beside the real recipients.
    if stanzas < len(header.data["recipients"]):
        raise BackupError("The payload is not encrypted to every recipient the header names.")
    return header


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
