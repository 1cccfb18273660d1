"""Setting aside what cannot be stored or read as it came: a delivery the
database refuses (the spool's drain), an update whose reading failed
(processing). Each is kept quarantined with a reason code and audited;
nothing of its content reaches a log."""

from __future__ import annotations

import hashlib
import logging

from django.db import DataError, IntegrityError, transaction

from safepassage.audit.services import audit_record
from safepassage.vault.exceptions import DecryptionError

from .models import Channel, InboundUpdate, UpdateState
from .storable import DEPTH, NUL, SURROGATE, storable_text

logger = logging.getLogger("safepassage.intake")


def quarantine_audit(update: InboundUpdate, *, stage: str) -> None:
    logger.warning(
        "intake: update %s on channel %s quarantined at %s (%s)",
        update.pk,
        update.channel_id,
        stage,
        update.reason,
    )
    audit_record(
        actor=None,
        action="intake.update_quarantined",
        target=update,
        details={"kind": update.kind, "reason": update.reason, "stage": stage},
    )


def failure_reason(exc: BaseException) -> str:
    """A short reason code for a failure to store or read an update (the
    exception's class, never its message: a database's may quote values)."""
    if isinstance(exc, UnicodeError):
        return SURROGATE
    if isinstance(exc, RecursionError):
        return DEPTH
    if isinstance(exc, DecryptionError):
        return "undecryptable"
    if isinstance(exc, DataError):
        return "data"
    if isinstance(exc, IntegrityError):
        return "integrity"
    if isinstance(exc, ValueError) and "NUL" in str(exc):
        return NUL  # psycopg refuses NUL in text before PostgreSQL sees it
    return "error:" + type(exc).__name__[:34]


@transaction.atomic
def update_store_quarantined(
    *, channel: Channel, provider_id: str, kind: str, payload: str, reason: str
) -> InboundUpdate:
    """Keep a delivery that could not be stored as it came (the spool's
    drain, when storing it failed): quarantined, under a provider id that
    is a digest of the one it came with (so that a second try finds it),
    kind and payload made encodable. Cannot fail on the delivery's values."""
    digest = hashlib.sha256(provider_id.encode("utf-8", "surrogatepass")).hexdigest()
    safe_id = "quarantine:" + digest[:64]
    existing = InboundUpdate.objects.filter(channel=channel, provider_id=safe_id).first()
    if existing is not None:
        return existing
    safe_kind = kind if kind.isascii() and kind.isprintable() and len(kind) <= 40 else "other"
    update = InboundUpdate.objects.create(
        channel=channel,
        provider_id=safe_id,
        kind=safe_kind,
        payload=storable_text(payload),
        state=UpdateState.QUARANTINED,
        reason=reason[:40],
    )
    quarantine_audit(update, stage="drain")
    return update


@transaction.atomic
def update_quarantine(*, update: InboundUpdate, reason: str) -> None:
    """Set a stored update aside: reading it failed for a reason in the
    update itself. Call after rolling back whatever reading it wrote."""
    update.state = UpdateState.QUARANTINED
    update.reason = reason[:40]
    update.save(update_fields=["state", "reason"])
    quarantine_audit(update, stage="processing")
