"""Receivers that turn framework events into audit events."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from safepassage.core.permissions import AccessPolicy, access_refused

from . import auditing


def on_access_refused(
    sender: Any,
    *,
    request: HttpRequest,
    policy: AccessPolicy | None,
    reason: str,
    **kwargs: Any,
) -> None:
    user: Any = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    auditing.record_or_log(
        "permission_denied",
        actor=user if signed_in else None,
        unit=getattr(user, "unit_id", None) if signed_in else None,
        # The roles as a list: joined into one string, a view open to five
        # roles passed the audit's 80-character limit for a detail value,
        # and the refusal went unrecorded (ValueError).
        details={
            "policy": str(policy.access) if policy else "undeclared",
            "roles": sorted(policy.roles) if policy else [],
            "reason": reason,
        },
        request=request,
    )


def connect() -> None:
    access_refused.connect(on_access_refused, dispatch_uid="accounts.audit_access_refused")
