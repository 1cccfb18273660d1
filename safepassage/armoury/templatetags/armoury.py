"""Template helpers for linking to the armoury from other apps' pages."""

from __future__ import annotations

from typing import Any

from django import template

from ..policies import ARMOURY_ROLES, holds

register = template.Library()


@register.filter
def works_in_armoury(user: Any) -> bool:
    """True for a user who may open a case's weapons and rewards page."""
    return holds(user, ARMOURY_ROLES)
