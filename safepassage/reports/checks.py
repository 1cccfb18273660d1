"""System checks: the disclosure thresholds must mean something."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_thresholds(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for name, default, ident in (
        ("SAFEPASSAGE_REPORTS_K", 10, "reports.E001"),
        ("SAFEPASSAGE_REPORTS_UNIT_K", 5, "reports.E002"),
    ):
        value = getattr(settings, name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            errors.append(
                Error(
                    f"{name} is {value!r}: it must be a whole number of at least 2, "
                    "or a published count of 1 would point to one person.",
                    hint=f"Set {name} to 10 (the default) or another whole number >= 2.",
                    id=ident,
                )
            )
    return errors
