"""The webhook spool: accepting a delivery costs one encrypted append and
one fdatasync, not a database transaction.

Why: Telegram retries until it gets a 2xx, and a burst (a bot shared in a
large group, a flood by an adversary) must not turn into a queue of
database writers contending for SQLite's single write lock. A spool file
per server process has no contention at all.

How an accepted update is kept (the durability promise):

* each server process appends to its own file, `<spool>/<uuid>.open`,
  holding an exclusive `flock` on it; a record is a 4-byte length and an
  AES-256-GCM envelope (the vault's format) of the delivery, under a data
  key made for that file (its id in the file's header), with the file's
  id and the record's number as associated data, so records cannot be
  reordered, moved between files or altered unseen;
* the answer 200 is sent only after `fdatasync` returned: an accepted
  update survives the process dying and, as far as the disk honours
  flushes, the machine losing power;
* about once a second (`ROTATE_SECONDS`) a non-empty file is closed and
  renamed `.ready`, and a drain task is queued; `spool_drain` (the
  background worker, or `manage.py intake_drain`) reads ready files, and
  open files whose process is gone (their lock is free), into
  `InboundUpdate` rows through `services.update_receive` (idempotent by
  provider id: duplicates in the spool change nothing), then shreds the
  file's key and deletes the file;
* a full or failing disk: a write that fails (or is short) is cut back
  to the file's last whole record and the file is retired (renamed
  `.ready`, no more appends), a sync that fails retires the file too, and
  the delivery is answered 503 (the fast path), so Telegram retries it;
  nothing half-written is ever followed by a record answered 200;
* a record cut short by a crash mid-write was never answered 200 and is
  dropped; a record that fails authentication anywhere else is tampering:
  the file is set aside as `.bad`, nothing of it is imported, and the
  error is logged and audited;
* one record the database refuses never stops the others (the promise
  "answered 200, never lost" holds for every record): a batch that fails
  is rolled back and stored again one record at a time, each in its own
  transaction; a record that fails alone is stored quarantined
  (`services.update_store_quarantined`: a digest for its provider id, its
  payload escaped so that it encodes), with a reason and an audit event.
  A file that fails for any other reason stays where it is for the next
  drain, and the files after it are drained all the same.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from safepassage.audit.services import audit_record
from safepassage.vault import crypto, keys
from safepassage.vault.exceptions import DecryptionError, KeyRingError, VaultLocked
from safepassage.vault.models import DataKey

from .models import Channel
from .services import (
    failure_reason,
    update_receive,
    update_store_quarantined,
    updates_received_batch,
)
from .storable import SURROGATE, text_reason

logger = logging.getLogger("safepassage.intake")

MAGIC = b"SPSPOOL1"
HEADER = len(MAGIC) + 16 + 16  # magic, file id, data key id
LENGTH = struct.Struct(">I")
MAX_RECORD = 512 * 1024
ROTATE_SECONDS = 1.0
DRAIN_BATCH = 500


def spool_dir() -> Path:
    path = Path(settings.VAR_DIR) / "spool"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _purpose(file_id: uuid.UUID, number: int) -> str:
    return f"intake-spool/{file_id}/{number}"


@dataclass(frozen=True)
class Delivery:
    channel_id: int
    provider_id: str
    kind: str
    ignored: bool
    payload: str
    #: Why the delivery is to be kept quarantined (`storable.py`), or "".
    quarantine: str = ""


class _File:
    """An open spool file. Closed (releasing its lock, so that a drain may
    take it) only once retired and no append is still syncing it."""

    def __init__(self, fd: int, path: Path, file_id: uuid.UUID, key: bytes, key_id: uuid.UUID):
        self.fd, self.path, self.file_id = fd, path, file_id
        self.key, self.key_id = key, key_id
        self.count = 0
        #: Records known to be on disk (the last fdatasync covered them).
        self.synced = 0
        self.syncing = False
        self.inflight = 0
        self.retired = False
        self.opened_at = time.monotonic()
        #: Bytes of the header and of every whole record written.
        self.size = HEADER
        #: A write or a sync failed: nothing more goes into this file.
        self.failed = False


class SpoolWriter:
    """One server process's spool. Thread-safe (threaded workers share it).

    Group commit: records are written one at a time under a lock; then the
    first waiting thread becomes the leader and calls fdatasync for every
    record written so far, while the others wait for a sync that covers
    theirs. Under load one fdatasync serves many deliveries."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lock = threading.Lock()
        self.synced = threading.Condition(self.lock)
        self.current: _File | None = None

    def _open(self) -> _File:
        data_key = keys.data_key_create(scope=keys.SYSTEM_SCOPE, owner="intake.spool")
        file_id = uuid.uuid4()
        path = self.directory / f"{file_id}.open"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            header = MAGIC + file_id.bytes + data_key.id.bytes
            if os.write(fd, header) != len(header):
                raise OSError(errno.ENOSPC, "short write of a spool header")
        except BaseException:  # a full disk: no file is left behind
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        self.current = _File(fd, path, file_id, keys.data_key_bytes(data_key), data_key.id)
        return self.current

    def append(self, delivery: Delivery) -> None:
        """Write one delivery durably (returns after fdatasync)."""
        plain = json.dumps(
            {
                "c": delivery.channel_id,
                "p": delivery.provider_id,
                "k": delivery.kind,
                "i": delivery.ignored,
                "b": delivery.payload,
                "q": delivery.quarantine,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        failed = None
        with self.lock:
            spool = self.current or self._open()
            envelope = crypto.encrypt(
                spool.key, spool.key_id, plain, _purpose(spool.file_id, spool.count)
            )
            record = LENGTH.pack(len(envelope)) + envelope
            spool.inflight += 1
            try:
                try:
                    if os.write(spool.fd, record) != len(record):
                        raise OSError(errno.ENOSPC, "short write to the spool")
                except OSError:
                    failed = self._fail(spool, cut=True)
                    raise
                spool.size += len(record)
                spool.count += 1
                mine = spool.count
                while spool.synced < mine:
                    if spool.failed:
                        raise OSError(errno.EIO, "the spool file could not be synced")
                    if spool.syncing:
                        self.synced.wait()
                        continue
                    spool.syncing, upto, done = True, spool.count, False
                    self.lock.release()
                    try:
                        os.fdatasync(spool.fd)
                        done = True
                    finally:
                        self.lock.acquire()
                        spool.syncing = False
                        if done:
                            spool.synced = max(spool.synced, upto)
                        else:
                            failed = self._fail(spool, cut=False)
                        self.synced.notify_all()
            finally:
                spool.inflight -= 1
                self._close_if_done(spool)
        if failed is not None:
            _drain_enqueue()

    def _fail(self, spool: _File, *, cut: bool) -> Path | None:
        """A write or sync of `spool` failed (a full or failing disk): the
        file takes nothing more. `cut`: a write failed, and may have left
        part of its record; the file is cut back to its last whole record,
        so that nothing half-written stays behind a record answered 200
        (should the cut fail too, the part is the file's last bytes, which
        the drain drops as cut short). Records written but not known to be
        synced are answered non-200; those that reached the disk are read
        by the drain all the same, and Telegram's retry of them changes
        nothing (stored once by provider id). Returns the retired path,
        or None where the file is left for the drain as abandoned."""
        spool.failed = True
        if cut:
            try:
                os.ftruncate(spool.fd, spool.size)
            except OSError:
                logger.error("intake spool: %s could not be cut back", spool.path.name)
        if self.current is spool:
            self.current = None
        spool.retired = True
        logger.error("intake spool: %s retired after a failed write or sync", spool.path.name)
        if spool.count == 0:  # nothing in it was ever answered 200
            spool.path.unlink(missing_ok=True)
            return None
        ready = spool.path.with_suffix(".ready")
        try:
            os.rename(spool.path, ready)
        except OSError:  # stays `.open`: the drain takes it once its lock is free
            return None
        spool.path = ready
        return ready

    @staticmethod
    def _close_if_done(spool: _File) -> None:
        if spool.retired and spool.inflight == 0 and spool.fd >= 0:
            os.close(spool.fd)  # releases the lock: a drain may take the file
            spool.fd = -1

    def rotate(self, *, force: bool = False) -> Path | None:
        """Retire a non-empty file past ROTATE_SECONDS (or at once with
        `force`) and mark it ready; returns its new path."""
        with self.lock:
            spool = self.current
            if spool is None or spool.count == 0:
                return None
            if not force and time.monotonic() - spool.opened_at < ROTATE_SECONDS:
                return None
            ready = spool.path.with_suffix(".ready")
            os.rename(spool.path, ready)
            spool.retired, self.current = True, None
            self._close_if_done(spool)
        _drain_enqueue()
        return ready


_writer: SpoolWriter | None = None
_writer_pid = 0
_writer_guard = threading.Lock()


def writer() -> SpoolWriter:
    """This process's writer (made after fork: gunicorn preloads the app)."""
    global _writer, _writer_pid
    with _writer_guard:
        if _writer is None or _writer_pid != os.getpid():
            _writer, _writer_pid = SpoolWriter(spool_dir()), os.getpid()
            threading.Thread(target=_rotate_forever, args=(_writer,), daemon=True).start()
        return _writer


def _rotate_forever(spool: SpoolWriter) -> None:
    while True:
        time.sleep(ROTATE_SECONDS / 2)
        try:
            spool.rotate()
        except Exception:  # keep rotating; the drain also takes abandoned files
            logger.exception("intake spool: rotation failed")


def _drain_enqueue() -> None:
    from .tasks import drain_spool

    try:
        drain_spool.enqueue()
    except Exception:  # the file waits; `manage.py intake_drain` takes it
        logger.exception("intake spool: could not queue the drain")


class SpoolTampered(Exception):
    """A record failed authentication before the end of its file."""


def _records(path: Path) -> tuple[uuid.UUID, list[dict[str, Any]], int]:
    """(the file's key id, its records, the bytes of a cut-short tail)."""
    data = path.read_bytes()
    if len(data) < HEADER or not data.startswith(MAGIC):
        if len(data) < HEADER and MAGIC.startswith(data[: len(MAGIC)]):
            return uuid.UUID(int=0), [], len(data)  # died while writing the header
        raise SpoolTampered("not a spool file")
    file_id = uuid.UUID(bytes=data[len(MAGIC) : len(MAGIC) + 16])
    key_id = uuid.UUID(bytes=data[len(MAGIC) + 16 : HEADER])
    data_key = DataKey.objects.select_related("unit_key").filter(id=key_id).first()
    if data_key is None:
        raise SpoolTampered("unknown spool key")
    key = keys.data_key_bytes(data_key)
    records, position, number = [], HEADER, 0
    while position < len(data):
        if position + LENGTH.size > len(data):
            break
        (length,) = LENGTH.unpack_from(data, position)
        end = position + LENGTH.size + length
        if length > MAX_RECORD:
            raise SpoolTampered("record length")
        if end > len(data):
            break  # the last write was cut short: never answered 200
        envelope = data[position + LENGTH.size : end]
        try:
            plain = crypto.decrypt(key, envelope, _purpose(file_id, number))
        except DecryptionError as exc:
            raise SpoolTampered(f"record {number}") from exc
        records.append(json.loads(plain))
        position, number = end, number + 1
    return key_id, records, len(data) - position


def _claimable(path: Path) -> int | None:
    """An open file whose writer is gone: its lock can be taken. Returns
    the locked descriptor (the caller closes it), or None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@dataclass
class Drained:
    files: int = 0
    records: int = 0
    stored: int = 0
    tampered: int = 0
    cut_short: int = 0
    #: Records stored quarantined because storing them as they came failed.
    quarantined: int = 0
    #: Files left for the next drain (an error not of their records).
    held: int = 0


#: Failures of the database's connection or locks, not of a record: the
#: file waits for the next drain.
TRANSIENT = (OperationalError, InterfaceError, VaultLocked, KeyRingError)
PROVIDER_ID_MAX = 100
KIND_MAX = 40


def _fault(record: dict[str, Any]) -> str:
    """Why a record cannot be stored as it is (a spool written before the
    door checked, or by another version), or ""."""
    provider_id, kind, payload = record.get("p"), record.get("k"), record.get("b")
    if not isinstance(provider_id, str | int) or isinstance(provider_id, bool):
        return "provider_id"
    provider_id = str(provider_id)
    if not 0 < len(provider_id) <= PROVIDER_ID_MAX or text_reason(provider_id):
        return "provider_id"
    if not isinstance(kind, str) or len(kind) > KIND_MAX or text_reason(kind):
        return "kind"
    if not isinstance(payload, str):
        return "payload"
    return SURROGATE if text_reason(payload) == SURROGATE else ""  # NUL is encrypted


def _store(channels: dict[int, Any], records: list[dict[str, Any]], result: Drained) -> None:
    """Store `records` (call inside a transaction); a record at fault is
    stored quarantined."""
    new = []
    for record in records:
        channel = channels.get(record.get("c"))  # type: ignore[arg-type]
        if channel is None:
            logger.error("intake spool: a record for an unknown channel was dropped")
            continue
        fault = _fault(record)
        if fault:
            _quarantine(channel, record, fault, result)
            continue
        received = update_receive(
            channel=channel,
            provider_id=str(record["p"]),
            kind=record["k"],
            payload=record["b"],
            ignored=bool(record.get("i")),
            one_by_one=False,
            quarantine=str(record.get("q") or ""),
        )
        if received.created:
            new.append(received.update)
    updates_received_batch(updates=new)
    result.stored += len(new)


def _quarantine(channel: Any, record: dict[str, Any], reason: str, result: Drained) -> None:
    update_store_quarantined(
        channel=channel,
        provider_id=str(record.get("p")),
        kind=str(record.get("k")),
        payload=record["b"] if isinstance(record.get("b"), str) else json.dumps(record),
        reason=reason,
    )
    result.quarantined += 1


def _store_batch(channels: dict[int, Any], batch: list[dict[str, Any]], result: Drained) -> None:
    """One transaction for the batch; should it fail, one per record, and
    a record that fails alone is quarantined."""
    try:
        with transaction.atomic():
            _store(channels, batch, result)
        return
    except TRANSIENT:
        raise
    except Exception as exc:
        logger.warning(
            "intake spool: a batch of %s failed (%s); storing one by one",
            len(batch),
            type(exc).__name__,
        )
    for record in batch:
        try:
            with transaction.atomic():
                _store(channels, [record], result)
        except TRANSIENT:
            raise
        except Exception as exc:
            channel = channels.get(record.get("c"))  # type: ignore[arg-type]
            if channel is None:
                raise
            with transaction.atomic():
                _quarantine(channel, record, failure_reason(exc), result)


def spool_drain() -> Drained:
    """Move every ready (or abandoned) spool file into the database."""
    result = Drained()
    directory = spool_dir()
    candidates = sorted(directory.glob("*.ready")) + sorted(directory.glob("*.open"))
    for path in candidates:
        lock_fd = _claimable(path)
        if lock_fd is None:
            continue  # a live writer's file, or taken by another drain
        try:
            if not path.exists():
                continue
            try:
                key_id, records, tail = _records(path)
            except SpoolTampered as exc:
                path.rename(path.with_suffix(".bad"))
                logger.error("intake spool: %s set aside as .bad (%s)", path.name, exc)
                audit_record(
                    actor=None, action="intake.spool_tampered", details={"file": path.stem}
                )
                result.tampered += 1
                continue
            channels = {c.pk: c for c in Channel.objects.select_related("data_key__unit_key")}
            try:
                for start in range(0, len(records), DRAIN_BATCH):
                    _store_batch(channels, records[start : start + DRAIN_BATCH], result)
            except (VaultLocked, KeyRingError):
                raise
            except Exception as exc:  # the file waits; the next ones are drained
                logger.error(
                    "intake spool: %s left for the next drain (%s)", path.name, type(exc).__name__
                )
                result.held += 1
                continue
            with transaction.atomic():
                key = DataKey.objects.filter(id=key_id).first()
                if key is not None:
                    keys.data_key_shred(data_key=key)
            path.unlink()
            result.files += 1
            result.records += len(records)
            result.cut_short += int(tail > 0)
        finally:
            os.close(lock_fd)
    return result
