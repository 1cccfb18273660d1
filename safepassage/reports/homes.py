"""The analyst's home: the dashboard's headline figures (counts only,
published at the analyst's k) and the way to every report."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.accounts.roles import Role
from safepassage.core.homes import HomePanel, home_panel

from . import selectors
from .policies import scope_for


@home_panel(order=10)
def dashboard(request: HttpRequest) -> HomePanel | None:
    scope = scope_for(request.user)
    if scope is None:
        return None
    return HomePanel(
        title=_("Situation picture"),
        serves=frozenset({Role.ANALYST}),
        template="reports/panels/dashboard.html",
        context={
            "headlines": selectors.dashboard(scope=scope, today=timezone.localdate()),
            "as_of": selectors.figures_as_of(),
        },
        links=(
            (_("Dashboard and reports"), reverse("reports:dashboard")),
            (_("Weekly brief"), reverse("reports:brief")),
        ),
    )
