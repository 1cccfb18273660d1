"""The vault's refusals as audit events.

The vault sits below the audit app and cannot write events itself; it
sends `keys.unit_binding_refused` and this receiver records
`vault.unit_mismatch`: a record whose owning unit column names another
unit than the one its data key is wrapped under (a column changed by
hand). Details are the model, the row's id and both scopes: nothing
personal.

The event joins the current transaction, and the exception remembers it.
A refusal inside a service's transaction rolls the event back with
everything else; whoever sees the exception afterwards records it again
if, and only if, the first event is gone: the vault's middleware for
pages (sending the signal again with the request, so that the event then
names the user), `cases.services.case_transfer_accept` for transfers.
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db import models, transaction

from safepassage.vault.exceptions import UnitMismatch

from .models import AuditEvent
from .services import audit_record

logger = logging.getLogger(__name__)

ACTION = "vault.unit_mismatch"


def _unit_of(scope: str) -> int | None:
    prefix, _sep, rest = scope.partition(":")
    return int(rest) if prefix == "unit" and rest.isdigit() else None


def _target(exc: UnitMismatch) -> models.Model | None:
    if exc.pk is None or not exc.model:
        return None
    try:
        model: type[models.Model] = apps.get_model(exc.model)
    except (LookupError, ValueError):
        return None
    return model(pk=exc.pk)


def record_unit_mismatch(exc: UnitMismatch, *, actor: Any = None, request: Any = None) -> None:
    """Append the alert for `exc`, unless an event for it is stored already
    (not rolled back). A failure to write it is logged, never raised: the
    refusal stands either way."""
    recorded = getattr(exc, "audit_event_id", None)
    if recorded is not None and AuditEvent.objects.filter(pk=recorded).exists():
        return
    try:
        with transaction.atomic():
            event = audit_record(
                actor=actor,
                action=ACTION,
                target=_target(exc),
                unit=_unit_of(exc.expected),
                details={
                    "model": exc.model,
                    "expected_scope": exc.expected,
                    "bound_scope": exc.bound,
                    "bound_unit": _unit_of(exc.bound),
                },
                request=request,
            )
    except Exception as error:
        logger.error("audit: could not record %s [%s]", ACTION, type(error).__name__)
        return
    exc.audit_event_id = event.pk
    logger.error("vault: unit mismatch on %s %s", exc.model, exc.pk)


def on_unit_binding_refused(
    sender: Any, *, exception: UnitMismatch, request: Any = None, **kwargs: Any
) -> None:
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    record_unit_mismatch(exception, actor=actor, request=request)
