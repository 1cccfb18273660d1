"""The retention purge: raw updates past INTAKE_RAW_RETENTION_DAYS, and
the contacts that never became cases and have been silent as long."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safepassage.audit.services import audit_record
from safepassage.vault.keys import data_key_shred

from .models import Contact, InboundUpdate


@dataclass(frozen=True)
class Purged:
    updates: int
    cutoff: dt.datetime
    contacts: int = 0


def updates_purge(*, days: int | None = None, batch: int = 500) -> Purged:
    """Destroy raw updates older than `days` (default INTAKE_RAW_RETENTION_DAYS),
    and the contacts that never became cases and have been silent as long.

    Each update's own data key is shredded, then the row deleted, batch by
    batch (each batch one transaction), so that an interrupted purge leaves
    nothing readable half-done behind. One audit event per run, counts only.
    """
    keep = settings.INTAKE_RAW_RETENTION_DAYS if days is None else days
    if keep < 1:
        raise ValidationError("Keep raw updates for at least one day.")
    cutoff = timezone.now() - dt.timedelta(days=keep)
    total = 0
    while True:
        with transaction.atomic():
            old = list(
                InboundUpdate.objects.filter(received_at__lt=cutoff)
                .select_related("data_key")
                .order_by("pk")[:batch]
            )
            if not old:
                break
            for update in old:
                data_key_shred(data_key=update.data_key)
            InboundUpdate.objects.filter(pk__in=[u.pk for u in old]).delete()
            total += len(old)
    contacts = _contacts_purge(cutoff, batch)
    audit_record(
        actor=None,
        action="intake.updates_purged",
        details={"updates": total, "contacts": contacts, "retention_days": keep},
    )
    return Purged(total, cutoff, contacts)


def _contacts_purge(cutoff: dt.datetime, batch: int) -> int:
    """Contacts never handed over and silent since `cutoff` go with their
    conversation and replies: the contact's key is shredded, then its rows
    deleted. Contacts that became cases are the receiving unit's to keep."""
    total = 0
    while True:
        with transaction.atomic():
            silent = list(
                Contact.objects.filter(case__isnull=True, created_at__lt=cutoff)
                .exclude(last_inbound_at__gte=cutoff)
                .select_related("data_key")
                .order_by("pk")[:batch]
            )
            if not silent:
                return total
            for contact in silent:
                data_key_shred(data_key=contact.data_key)
            Contact.objects.filter(pk__in=[c.pk for c in silent]).delete()
            total += len(silent)
