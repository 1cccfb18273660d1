"""The inbox on the home page, for those who read contacts."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.accounts.roles import Role
from safepassage.core.homes import HomePanel, home_panel

from .policies import user_reads_contacts


@home_panel(order=20)
def inbox(request: HttpRequest) -> HomePanel | None:
    if not user_reads_contacts(request.user):
        return None
    return HomePanel(
        title=_("Advance contact"),
        links=((_("Inbox"), reverse("inbox:list")),),
        serves=frozenset({Role.INTAKE_OPERATOR}),
    )
