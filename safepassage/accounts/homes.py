"""Administration on the home page, and an honest note for a role whose
pages are still to come."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from safepassage.core.homes import HomePanel, home_panel

from .models import User
from .roles import Role


@home_panel(order=70)
def administration(request: HttpRequest) -> HomePanel | None:
    if not request.user.has_perm("accounts.view_user"):
        return None
    return HomePanel(
        title=_("Administration"),
        links=((_("Administration: staff, units and settings"), reverse("admin:index")),),
    )


# Roles whose own pages have not landed yet, and what to say to them. An
# app that gives a role its page removes the role from here.
ROLES_STILL_COMING: dict[Role, StrOrPromise] = {
    Role.ANALYST: gettext_lazy(
        "Aggregate reports for analysts are coming; this account holds no case role."
    ),
}


@home_panel(order=90)
def coming(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not isinstance(user, User):
        return None
    notes = [str(note) for role, note in ROLES_STILL_COMING.items() if user.has_any_role({role})]
    if not notes:
        return None
    return HomePanel(title=_("Coming"), context={"note": " ".join(notes)})
