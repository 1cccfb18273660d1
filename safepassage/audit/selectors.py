"""Reads of the audit trail. Callers authorise first: these take no user.

Audit rows hold no personal data, but who looked at which case, and
when, is itself sensitive (it maps a unit's work); pages showing them
must be limited to roles that need them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from .models import ActorKind, AuditEvent, IntegrityAlert


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


def integrity_alerts(
    *, resolved_limit: int = 50
) -> tuple[list[IntegrityAlert], list[IntegrityAlert]]:
    """The open integrity alerts (all, newest first) and the latest
    `resolved_limit` resolved ones. Callers authorise first: headquarters'
    administrators (`user_sees_integrity_alerts`)."""
    alerts = IntegrityAlert.objects.order_by("-raised_at", "-pk")
    return (
        list(alerts.filter(resolved_at__isnull=True)),
        list(alerts.filter(resolved_at__isnull=False)[:resolved_limit]),
    )


def integrity_alert_open_get(pk: int) -> IntegrityAlert | None:
    return IntegrityAlert.objects.filter(pk=pk, resolved_at__isnull=True).first()


def user_sees_integrity_alerts(user: Any) -> bool:
    """Administrators of headquarters: an alert names rows of every unit
    (identifiers only), and restoring a row is headquarters' work."""
    unit = getattr(user, "unit", None)
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(unit, "is_headquarters", False)
        and user.has_any_role({"administrator"})
    )
