from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .policies import user_reads_contacts


def intake(request: HttpRequest) -> dict[str, Any]:
    """`reads_contacts` for the navigation; a callable, asked only where used."""
    user = getattr(request, "user", None)
    return {"reads_contacts": lambda: user_reads_contacts(user)}
