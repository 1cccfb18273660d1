"""A server process's spool file: appended to by the webhook (the fast
path), synced before the 200 goes out, rotated about once a second."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from safepassage.vault import crypto, keys

from .files import HEADER, LENGTH, MAGIC, ROTATE_SECONDS, Delivery, purpose, spool_dir
from .tasks import drain_spool

logger = logging.getLogger("safepassage.intake")


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
                spool.key, spool.key_id, plain, purpose(spool.file_id, spool.count)
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
    try:
        drain_spool.enqueue()
    except Exception:  # the file waits; `manage.py intake_drain` takes it
        logger.exception("intake spool: could not queue the drain")
