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

The package: `files` (the format), `writing` (the server process's
writer, the webhook's side), `draining` (into the database) and `tasks`
(the drain, queued by the writer when a file is ready).
"""

from __future__ import annotations

from .draining import DRAIN_BATCH, Drained, SpoolTampered, spool_drain
from .files import HEADER, LENGTH, MAGIC, MAX_RECORD, ROTATE_SECONDS, Delivery, spool_dir
from .writing import SpoolWriter, writer

__all__ = [
    "DRAIN_BATCH",
    "HEADER",
    "LENGTH",
    "MAGIC",
    "MAX_RECORD",
    "ROTATE_SECONDS",
    "Delivery",
    "Drained",
    "SpoolTampered",
    "SpoolWriter",
    "spool_dir",
    "spool_drain",
    "writer",
]
