"""The protection officer's home: reviews due, placements, houses."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.accounts.roles import Role
from safepassage.core.homes import HomePanel, home_panel

from .selectors import home_figures, is_protection_officer


@home_panel(order=12)
def protection_reviews(request: HttpRequest) -> HomePanel | None:
    if not is_protection_officer(request.user):
        return None
    return HomePanel(
        title=_("Risk reviews"),
        serves=frozenset({Role.PROTECTION_OFFICER}),
        template="protection/panels/reviews.html",
        context={"figures": home_figures(user=request.user)},
        links=((_("Reviews due"), reverse("protection:reviews")),),
    )


@home_panel(order=30)
def protection_houses(request: HttpRequest) -> HomePanel | None:
    if not is_protection_officer(request.user):
        return None
    return HomePanel(
        title=_("Safe houses and placements"),
        serves=frozenset({Role.PROTECTION_OFFICER}),
        template="protection/panels/houses.html",
        context={"figures": home_figures(user=request.user)},
        links=(
            (_("Safe houses"), reverse("protection:houses")),
            (_("Add a safe house"), reverse("protection:house_new")),
        ),
    )
