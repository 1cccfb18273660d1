"""The accounts app's single door to the audit chain.

Details carry ids, reasons and method names only: never usernames,
passwords, codes, addresses or anything else a person typed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def record(
    action: str,
    *,
    actor: Any = None,
    target: models.Model | None = None,
    unit: models.Model | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Append an `accounts.*` event inside the current (or a new) transaction."""
    # Imported here: accounts sits above audit in the layers, and audit's
    # module imports models at load time.
    try:
        from safepassage.audit.services import audit_record
    except ModuleNotFoundError as exc:  # TEMPORARY until audit lands
        if exc.name != "safepassage.audit.services":
            raise
        logger.warning("audit unavailable; dropped %s", action)
        return

    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=f"accounts.{action}",
            target=target,
            unit=unit,
            details=details or {},
            request=request,
        )
