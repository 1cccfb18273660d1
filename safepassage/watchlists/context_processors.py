from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .policies import user_keeps_watchlists


def watchlists(request: HttpRequest) -> dict[str, Any]:
    """`keeps_watchlists` for the navigation; a callable, so a page that does
    not ask costs nothing (the answer reads the user's unit)."""
    user = getattr(request, "user", None)
    return {"keeps_watchlists": lambda: user_keeps_watchlists(user)}
