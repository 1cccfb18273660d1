"""Watch-lists on the home page, for those who keep them."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.core.homes import HomePanel, home_panel

from .policies import user_keeps_watchlists


@home_panel(order=60)
def watchlists(request: HttpRequest) -> HomePanel | None:
    if not user_keeps_watchlists(request.user):
        return None
    return HomePanel(
        title=_("Watch-lists"), links=((_("Watch-lists"), reverse("watchlists:index")),)
    )
