"""`holds_case_role` for the navigation: the case list is linked only for
those who may open it (a link that answers 403 is a dead link)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .policies import user_holds_case_role


def cases(request: HttpRequest) -> dict[str, Any]:
    """A callable, asked only where a template uses it."""
    user = getattr(request, "user", None)
    return {"holds_case_role": lambda: user_holds_case_role(user)}
