"""The case list on the home page, for the roles that work on cases."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.core.homes import HomePanel, home_panel

from .policies import user_holds_case_role
from .selectors.lists import cases_unread_count

# The roles whose day starts from the unit's case list (the others may
# open it too, but their own pages are elsewhere).
CASE_LIST_WORK = frozenset({Role.INTAKE_OPERATOR, Role.UNIT_HANDLER, Role.SCREENING_OFFICER})


@home_panel(order=40)
def unit_cases(request: HttpRequest) -> HomePanel | None:
    if not user_holds_case_role(request.user):
        return None
    links = [(_("My unit's cases"), reverse("cases:dashboard"))]
    unread = cases_unread_count(user=cast(User, request.user))
    if unread:
        label = ngettext(
            "%(count)d case with new messages from the person",
            "%(count)d cases with new messages from the person",
            unread,
        ) % {"count": unread}
        links.insert(0, (label, reverse("cases:list") + "?unread=1"))
    return HomePanel(title=_("Cases"), links=tuple(links), serves=CASE_LIST_WORK)
