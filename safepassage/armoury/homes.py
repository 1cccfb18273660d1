"""The armoury on the home page: approvers and reward officers see their
queue first; every armoury role gets the unit's armoury; headquarters
finance and screening staff get the alerts and the schedule."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.accounts.roles import Role
from safepassage.core.homes import HomePanel, home_panel

from . import selectors
from .policies import ARMOURY_ROLES, FINANCE_ROLES, holds, may_keep_schedule, may_see_alerts


@home_panel(order=10)
def reward_queue(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not holds(user, FINANCE_ROLES):
        return None
    waiting = (
        len(selectors.approval_queue(user=user))
        if holds(user, frozenset({Role.REWARD_APPROVER}))
        else 0
    )
    to_pay = len(selectors.claims_to_pay(user=user))
    return HomePanel(
        title=_("Rewards waiting"),
        serves=frozenset({Role.REWARD_OFFICER, Role.REWARD_APPROVER}),
        template="armoury/panels/queue.html",
        context={"waiting": waiting, "to_pay": to_pay},
        links=((_("Open the reward queue"), reverse("armoury:queue")),),
    )


@home_panel(order=45)
def armoury_links(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not holds(user, ARMOURY_ROLES | {Role.SCREENING_OFFICER}):
        return None
    links: list[tuple[str, str]] = []
    if holds(user, ARMOURY_ROLES):
        links.append((_("My unit's armoury"), reverse("armoury:unit")))
    if may_see_alerts(user):
        links.append((_("Duplicate serials and count differences"), reverse("armoury:alerts")))
    if may_keep_schedule(user):
        links.append((_("Reward schedule"), reverse("armoury:schedule")))
    if holds(user, FINANCE_ROLES):
        links.append((_("Exports for auditors"), reverse("armoury:export")))
    if not links:
        return None
    return HomePanel(title=_("Armoury and rewards"), links=tuple(links))
