"""The screening server's index on disk, encrypted: read back at a start
instead of decrypting every person again.

Building the index decrypts every registered person (about 264 µs a
person on PostgreSQL: 4.4 minutes at 1,000,000 people). The server writes
what it built — the `CompactIndex` with the updated_at of every person it
read — to ``VAR_DIR/screening/index.snapshot`` at shutdown and every
`WRITE_EVERY` while it runs, and at its next start reads that file back
and catches up with the people changed since (`_Indexed.refresh`, the
same as after every screening).

The file holds names, so it is written as the vault writes anything:

* AES-256-GCM under a key derived from the key ring's sealing secret
  (`vault.api.derive_key("seal", ...)`): without the unlocked key ring it
  is noise, and destroying the key ring (panic) destroys it too;
* in chunks of `CHUNK` bytes, each authenticated with the file's random id,
  its number and whether it is the last, so that a chunk cut off, moved,
  repeated or taken from another snapshot fails, as does any flipped bit;
* the plaintext is no pickle but flat arrays (`CompactIndex.arrays`): a
  JSON header naming each array's type and length, then the arrays'
  bytes, read straight into numpy arrays of a type from a short list
  (`_DTYPES`): loading is a decryption and a copy, not millions of
  objects made again, and nothing in the file can make the reader run
  code, even with the key.

A snapshot is refused, loudly (a log line, and an integrity alert for
headquarters when it was altered) and the index built from the database
instead, when it fails its check, was written for another year (dates are
read relative to it) or is older than `MAX_AGE`. One that is read is then
reconciled with the database person by person: every registered person's
updated_at is listed (one light query, no decryption) and whoever the
snapshot holds at another time, or not at all, is read again, and whoever
the database no longer holds is dropped — a restored backup, a deletion,
a shredding while the server was down all end there. People of shredded
cases are dropped before a snapshot is written, and every write replaces
the file whole (written aside, then renamed).
"""

from __future__ import annotations

import io
import json
import logging
import os
import struct
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.conf import settings
from numpy.typing import NDArray

from safepassage.vault import api as vault
from safepassage.vault.crypto import decrypt, encrypt
from safepassage.vault.exceptions import DecryptionError

logger = logging.getLogger(__name__)

MAGIC = b"SafePassage screening snapshot v2\n"
#: Bytes of plaintext per authenticated chunk.
CHUNK = 8 * 1024 * 1024
#: A snapshot older than this is not read (a server stopped for long).
MAX_AGE = timedelta(days=7)
#: How often a running server writes its index again.
WRITE_EVERY = timedelta(minutes=30)
_KEY_ID = uuid.UUID("5c4ee000-0000-4000-8000-000000000024")
_LENGTH = struct.Struct(">I")
#: The array types a snapshot may hold.
_DTYPES = frozenset({"|u1", "<i4", "<i8", "<u8"})
#: The longest header (names, types, lengths and the scalars of `meta`).
MAX_HEADER = 1024 * 1024


class SnapshotRefused(Exception):
    """The snapshot cannot be used; `reason` says why (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def snapshot_path() -> Path:
    return Path(settings.VAR_DIR) / "screening" / "index.snapshot"


def _key() -> bytes:
    return vault.derive_key("seal", "screening-snapshot-v1")


def _purpose(file_id: bytes, number: int, last: bool) -> str:
    return f"screening-snapshot/{file_id.hex()}/{number}/{int(last)}"


class _ChunkWriter(io.RawIOBase):
    """A file-like sink that encrypts what is written, chunk by chunk."""

    def __init__(self, out: IO[bytes], key: bytes) -> None:
        self.out, self.key = out, key
        self.file_id = os.urandom(16)
        self.buffer = bytearray()
        self.number = 0
        out.write(MAGIC + self.file_id)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._emit(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        sealed = encrypt(self.key, _KEY_ID, plain, _purpose(self.file_id, self.number, last))
        self.out.write(_LENGTH.pack(len(sealed)) + sealed)
        self.number += 1

    def finish(self) -> None:
        self._emit(bytes(self.buffer), last=True)
        self.buffer.clear()


class _ChunkReader(io.RawIOBase):
    """A file-like source that yields only chunks that passed their check."""

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        self.source, self.key = source, key
        if source.read(len(MAGIC)) != MAGIC:
            raise SnapshotRefused("not a snapshot")
        self.file_id = source.read(16)
        if len(self.file_id) != 16:
            raise SnapshotRefused("truncated")
        self.number = 0
        self.plain = memoryview(b"")
        self.ended = False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        head = self.source.read(_LENGTH.size)
        if len(head) != _LENGTH.size:
            raise SnapshotRefused("truncated")
        (length,) = _LENGTH.unpack(head)
        if length > CHUNK + 1024:
            raise SnapshotRefused("altered")
        sealed = self.source.read(length)
        if len(sealed) != length:
            raise SnapshotRefused("truncated")
        for last in (False, True):
            try:
                plain = decrypt(self.key, sealed, _purpose(self.file_id, self.number, last))
            except DecryptionError:
                continue
            self.plain, self.ended = memoryview(plain), last
            self.number += 1
            return
        raise SnapshotRefused("altered")

    def readinto(self, target: Any) -> int:
        while not self.plain:
            if self.ended:
                return 0
            self._next()
        n = min(len(target), len(self.plain))
        target[:n] = self.plain[:n]
        self.plain = self.plain[n:]
        return n

    def at_end(self) -> bool:
        """Whether everything was read, up to the authenticated last chunk."""
        return self.ended and not self.plain and self.source.read(1) == b""


def write(meta: dict[str, Any], arrays: dict[str, NDArray[Any]], path: Path | None = None) -> int:
    """Encrypt `meta` (JSON values) and `arrays` to the snapshot file
    (replaced whole); its size."""
    path = path or snapshot_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    laid_out = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    header = json.dumps(
        {
            "meta": meta,
            "arrays": [[name, a.dtype.str, int(a.size)] for name, a in laid_out.items()],
        },
        separators=(",", ":"),
    ).encode()
    aside = path.with_name(f"{path.name}.writing-{os.getpid()}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            writer = _ChunkWriter(out, _key())
            buffered = io.BufferedWriter(writer, buffer_size=CHUNK)
            buffered.write(_LENGTH.pack(len(header)) + header)
            for a in laid_out.values():
                if a.dtype.str not in _DTYPES or a.ndim != 1:
                    raise ValueError("a snapshot holds flat arrays of integers")
                buffered.write(a.data.cast("B"))
            buffered.flush()
            writer.finish()
            out.flush()
            os.fsync(out.fileno())
        os.replace(aside, path)
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    return path.stat().st_size


def read(path: Path | None = None) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
    """(meta, arrays) of a snapshot that passed every chunk's check; raises
    `SnapshotRefused` (``missing``, ``truncated``, ``altered``, ...)."""
    path = path or snapshot_path()
    try:
        source = path.open("rb")
    except FileNotFoundError:
        raise SnapshotRefused("missing") from None
    with source:
        size = os.fstat(source.fileno()).st_size
        reader = _ChunkReader(source, _key())
        buffered = io.BufferedReader(reader, buffer_size=CHUNK)
        meta, arrays = _read_arrays(buffered, size)
        if buffered.peek(1) or not reader.at_end():
            raise SnapshotRefused("truncated")
    if not isinstance(meta, dict) or meta.get("format") != 2:
        raise SnapshotRefused("unreadable")
    return meta, arrays


def _read_exactly(source: io.BufferedIOBase, target: memoryview) -> None:
    got = source.readinto(target)
    if got != len(target):
        raise SnapshotRefused("truncated")


def _read_arrays(source: io.BufferedIOBase, size: int) -> tuple[Any, dict[str, NDArray[Any]]]:
    head = bytearray(_LENGTH.size)
    _read_exactly(source, memoryview(head))
    (length,) = _LENGTH.unpack(head)
    if length > MAX_HEADER:
        raise SnapshotRefused("unreadable")
    text = bytearray(length)
    _read_exactly(source, memoryview(text))
    try:
        header = json.loads(text.decode("utf-8"))
        meta, listed = header["meta"], header["arrays"]
        layout = [(str(name), str(dtype), int(count)) for name, dtype, count in listed]
    except (ValueError, KeyError, TypeError):
        raise SnapshotRefused("unreadable") from None
    total = 0
    for _name, dtype, count in layout:
        if dtype not in _DTYPES or count < 0:
            raise SnapshotRefused("unreadable")
        total += count * np.dtype(dtype).itemsize
    if total > size:  # never allocate more than the file could hold
        raise SnapshotRefused("truncated")
    arrays: dict[str, NDArray[Any]] = {}
    for name, dtype, count in layout:
        a = np.empty(count, np.dtype(dtype))
        if count:
            _read_exactly(source, a.data.cast("B"))
        arrays[name] = a
    return meta, arrays


def check_fresh(meta: dict[str, Any], *, now: datetime) -> None:
    """Refuse a snapshot of another year (dates are read relative to it),
    older than `MAX_AGE`, or dated in the future. Whether it agrees with
    the database is settled after loading, person by person
    (`cases.screening._Indexed.reconcile`)."""
    try:
        written = datetime.fromisoformat(meta["written_at"])
    except (KeyError, TypeError, ValueError):
        raise SnapshotRefused("unreadable") from None
    if written.tzinfo is None:
        raise SnapshotRefused("unreadable")
    if meta.get("this_year") != now.year:
        raise SnapshotRefused("another year")
    if now - written > MAX_AGE:
        raise SnapshotRefused("too old")
    if written > now + timedelta(minutes=5):
        raise SnapshotRefused("written in the future")
