"""Draining: ready (or abandoned) spool files into `InboundUpdate` rows
through `updates.update_receive`, then the file's key shredded and the file
deleted. Tampering sets a file aside as `.bad`; a record the database
refuses is stored quarantined; a file that fails otherwise waits."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import InterfaceError, OperationalError, transaction

from safepassage.audit.services import audit_record
from safepassage.vault import crypto, keys
from safepassage.vault.exceptions import DecryptionError, KeyRingError, UnknownKey, VaultLocked

from ..models import Channel
from ..quarantine import failure_reason, update_store_quarantined
from ..storable import SURROGATE, text_reason
from ..updates import update_receive, updates_received_batch
from .files import HEADER, LENGTH, MAGIC, MAX_RECORD, purpose, spool_dir

logger = logging.getLogger("safepassage.intake")

DRAIN_BATCH = 500


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
    try:
        data_key = keys.data_key_get(key_id)
    except UnknownKey:
        raise SpoolTampered("unknown spool key") from None
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
            plain = crypto.decrypt(key, envelope, purpose(file_id, number))
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
            # A file that died in its header named no key to shred.
            with transaction.atomic(), contextlib.suppress(UnknownKey):
                keys.data_key_shred(data_key=keys.data_key_get(key_id))
            path.unlink()
            result.files += 1
            result.records += len(records)
            result.cut_short += int(tail > 0)
        finally:
            os.close(lock_fd)
    return result
