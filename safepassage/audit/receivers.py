"""What audit does when another layer signals a failure it must record."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from safepassage.vault.exceptions import DecryptionError

from .services import integrity_alert_raise


def integrity_failed_record(
    sender: Any, *, error: DecryptionError, request: HttpRequest, **kwargs: Any
) -> bool:
    """`vault.signals.integrity_failed`: an alert for headquarters on the
    row that stopped this request (once per row; see
    `integrity_alert_raise`). True once the row has an open alert."""
    if error.row is None:
        return False
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    match = getattr(request, "resolver_match", None)
    found_in = str(getattr(match, "view_name", "") or "")
    integrity_alert_raise(row=error.row, found_in=found_in, actor=actor, request=request)
    return True
