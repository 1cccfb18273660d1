from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import user_sees_integrity_alerts


def integrity(request: HttpRequest) -> dict[str, Any]:
    """`sees_integrity_alerts` for the start page; a callable, so a page
    that does not ask costs nothing."""
    user = getattr(request, "user", None)
    return {"sees_integrity_alerts": lambda: user_sees_integrity_alerts(user)}
