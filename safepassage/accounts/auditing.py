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
    """Append an `accounts.*` event inside the current (or a new) transaction.

    `actor` is a user (signed in or anonymous) or None for the system.
    Raises what audit_record raises, which dooms the transaction.
    """
    # Imported here: accounts sits above audit in the layers, and audit's
    # module imports models at load time.
    from safepassage.audit.services import audit_record

    with transaction.atomic():
        audit_record(
            actor=actor,
            action=f"accounts.{action}",
            target=target,
            unit=unit,
            details=details or {},
            request=request,
        )


def record_or_log(action: str, **kwargs: Any) -> None:
    """`record`, for events that must not block what follows them.

    Used where the event reports a refusal or the end of a session: if the
    chain cannot be written (vault locked, chain corrupt) the refusal or
    sign-out still happens, and the failure is logged without details.
    """
    try:
        record(action, **kwargs)
    except Exception as exc:
        logger.error("audit: could not record accounts.%s [%s]", action, type(exc).__name__)
