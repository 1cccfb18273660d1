"""Integrity alerts on the home page, for those who see them."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.core.homes import HomePanel, home_panel

from .selectors import user_sees_integrity_alerts


@home_panel(order=15)
def integrity_alerts(request: HttpRequest) -> HomePanel | None:
    if not user_sees_integrity_alerts(request.user):
        return None
    return HomePanel(
        title=_("Integrity"), links=((_("Integrity alerts"), reverse("audit:integrity_alerts")),)
    )
