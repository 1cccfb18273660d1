"""Reintegration on the home page: the caseworker's queue (order 10) and
the unit supervisor's watch list (order 20). Counts only: no decryption."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.accounts.roles import Role
from safepassage.core.homes import HomePanel, home_panel

from . import selectors
from .policies import user_is_caseworker, user_supervises


@home_panel(order=10)
def caseworker_queue(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not user_is_caseworker(user):
        return None
    today = timezone.localdate()
    counts = {
        "due": selectors.steps_due_this_week(user=user, today=today).count(),
        "overdue": selectors.steps_overdue(user=user, today=today).count(),
        "followups": selectors.followups_due_for(user=user).count(),
        "waiting": len(selectors.cases_waiting(user=user)),
    }
    return HomePanel(
        title=_("Reintegration: my work"),
        serves=frozenset({Role.CASEWORKER}),
        template="reintegration/panels/caseworker.html",
        context={"counts": counts},
        links=(
            (_("My plans and what is due"), reverse("reintegration:home")),
            (_("Service directory"), reverse("reintegration:providers")),
        ),
    )


@home_panel(order=20)
def supervisor_watch(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not user_supervises(user):
        return None
    counts = {
        "stalled": selectors.plans_stalled(user=user).count(),
        "lost": selectors.plans_lost(user=user).count(),
    }
    return HomePanel(
        title=_("Reintegration: the unit's plans"),
        template="reintegration/panels/supervisor.html",
        context={"counts": counts},
        links=(
            (_("The unit's plans"), reverse("reintegration:supervision")),
            (_("Cases waiting for a pathway or plan"), reverse("reintegration:home")),
        ),
    )
