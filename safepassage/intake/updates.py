"""Storing what a webhook accepted: once per provider id, encrypted,
audited, and handed to the background reading (`processing.py`) once the
transaction commits. The channels' webhooks and the spool's drain call
this; it knows no channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from safepassage.audit.services import audit_record

from .models import Channel, InboundUpdate, UpdateState
from .processing import process_update, process_updates
from .quarantine import quarantine_audit

logger = logging.getLogger("safepassage.intake")


@dataclass(frozen=True)
class Received:
    update: InboundUpdate
    created: bool


def update_receive(
    *,
    channel: Channel,
    provider_id: str,
    kind: str,
    payload: str,
    ignored: bool = False,
    one_by_one: bool = True,
    quarantine: str = "",
) -> Received:
    """Store one delivery, once. A second delivery with the same provider id
    changes nothing (providers retry until they get a 2xx).

    `quarantine` (a reason code from `storable.py`) stores it quarantined:
    audited on its own, never queued for reading. The caller has made
    `provider_id` and `payload` encodable (`storable.py`).

    `one_by_one=False` is for a caller storing many in one transaction (the
    spool's drain): it audits and queues the processing of the batch itself.
    """
    existing = InboundUpdate.objects.filter(channel=channel, provider_id=provider_id).first()
    if existing is not None:
        return Received(existing, created=False)
    if ignored:
        state = UpdateState.IGNORED
    elif quarantine:
        state = UpdateState.QUARANTINED
    else:
        state = UpdateState.RECEIVED
    try:
        with transaction.atomic():
            update = InboundUpdate.objects.create(
                channel=channel,
                provider_id=provider_id,
                kind=kind,
                payload="" if ignored else payload,
                state=state,
                reason=quarantine[:40] if state == UpdateState.QUARANTINED else "",
            )
            if one_by_one:
                audit_record(
                    actor=None,
                    action="intake.update_received",
                    target=update,
                    details={"kind": kind, "ignored": ignored},
                )
            if state == UpdateState.QUARANTINED:
                quarantine_audit(update, stage="door")
    except IntegrityError:  # the same delivery, stored by a concurrent request
        return Received(
            InboundUpdate.objects.get(channel=channel, provider_id=provider_id), created=False
        )
    if one_by_one and update.state == UpdateState.RECEIVED:
        transaction.on_commit(lambda: _enqueue(update.pk))
    return Received(update, created=True)


def updates_received_batch(*, updates: list[InboundUpdate]) -> None:
    """Audit a batch stored with `one_by_one=False` and queue its reading
    (call inside the batch's transaction)."""
    if not updates:
        return
    audit_record(
        actor=None,
        action="intake.updates_received",
        details={
            "count": len(updates),
            "first": min(u.pk for u in updates),
            "last": max(u.pk for u in updates),
            "ignored": sum(u.state == UpdateState.IGNORED for u in updates),
        },
    )
    waiting = [u.pk for u in updates if u.state == UpdateState.RECEIVED]
    if waiting:
        transaction.on_commit(lambda: _enqueue_many(waiting))


def _enqueue_many(update_ids: list[int]) -> None:
    try:
        process_updates.enqueue(update_ids)
    except Exception:
        logger.exception("intake: could not enqueue %s updates", len(update_ids))


def _enqueue(update_id: int) -> None:
    """Hand the update to the background worker. Should that fail, the update
    stays `received` and `manage.py intake_process` reads it."""
    try:
        process_update.enqueue(update_id)
    except Exception:
        logger.exception("intake: could not enqueue update %s", update_id)
