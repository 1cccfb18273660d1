"""The crossing on the home page: open alerts first (order 5), for the
unit's handlers and headquarters' protection officers; the unit's cases
being planned, for its handlers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.accounts.roles import Role
from safepassage.cases.selectors import cases_visible_to
from safepassage.cases.workflow import Status
from safepassage.core.homes import HomePanel, home_panel

from .policies import user_may_configure_channel, user_sees_crossings
from .selectors import alerts_open_for


@home_panel(order=5)
def crossing_alerts(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not user_sees_crossings(user):
        return None
    return HomePanel(
        title=_("Crossing alerts"),
        template="crossing/panels/alerts.html",
        context={"alerts": alerts_open_for(user=user)},
        links=((_("All open alerts"), reverse("crossing:alerts")),),
    )


@home_panel(order=25)
def crossings_planned(request: HttpRequest) -> HomePanel | None:
    user: Any = request.user
    if not user_sees_crossings(user) or not user.has_any_role({Role.UNIT_HANDLER}):
        return None
    cases = cases_visible_to(user).filter(status__in=[Status.PLANNING, Status.IN_TRANSIT])
    links = tuple(
        (f"{c.code} · {c.get_status_display()}", reverse("crossing:case", args=[c.code]))
        for c in cases.order_by("-id")[:20]
    )
    return HomePanel(
        title=_("Crossings"),
        links=links,
        context={"note": "" if links else _("No case is being planned.")},
    )


@home_panel(order=75)
def staff_channel(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not user_may_configure_channel(user, getattr(user, "unit_id", -1)):
        return None
    return HomePanel(
        title=_("Staff alerts channel"),
        links=((_("Configure the unit's staff channel"), reverse("crossing:staff_channel")),),
    )
