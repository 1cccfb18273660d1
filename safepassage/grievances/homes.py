"""Complaints on the home page of headquarters' complaint roles: a count
of open ones (no decryption). No other unit's page mentions them."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.core.homes import HomePanel, home_panel

from .policies import GRIEVANCE_ROLES, user_handles_grievances
from .selectors import grievances_open_count


@home_panel(order=6)
def grievances_open(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not user_handles_grievances(user):
        return None
    return HomePanel(
        title=_("Complaints to headquarters"),
        serves=frozenset(GRIEVANCE_ROLES),
        template="grievances/panels/open.html",
        context={"open": grievances_open_count(user=user)},
        links=((_("Open complaints"), reverse("grievances:list")),),
    )
