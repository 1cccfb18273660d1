"""Reads of the audit trail. Callers authorise first: these take no user.

Audit rows hold no personal data, but who looked at which case, and
when, is itself sensitive (it maps a unit's work); pages showing them
must be limited to roles that need them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models

from .models import ActorKind, AuditEvent


def events_for_target(
    target: models.Model, *, since: datetime | None = None, limit: int = 200
) -> models.QuerySet[AuditEvent]:
    """Newest first, at most `limit` events about `target`."""
    qs = AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("-sequence")[:limit]


def events_by_user(
    user_id: int, *, since: datetime | None = None, limit: int = 200
) -> models.QuerySet[AuditEvent]:
    """Newest first, at most `limit` events whose actor is the user `user_id`."""
    qs = AuditEvent.objects.filter(actor_kind=ActorKind.USER, actor_id=user_id)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("-sequence")[:limit]


def events_for_unit(
    unit_id: int, *, since: datetime | None = None, limit: int = 200
) -> models.QuerySet[AuditEvent]:
    """Newest first, at most `limit` events recorded against unit `unit_id`."""
    qs = AuditEvent.objects.filter(unit_id=unit_id)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("-sequence")[:limit]
