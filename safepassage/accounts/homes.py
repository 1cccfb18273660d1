"""Administration on the home page, and an honest note for a role whose
pages are still to come."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from safepassage.core.homes import (
    HomePanel,
    ShownPanel,
    home_closing_panel,
    home_panel,
    roles_served,
)

from .models import User
from .roles import Role


@home_panel(order=70)
def administration(request: HttpRequest) -> HomePanel | None:
    if not request.user.has_perm("accounts.view_user"):
        return None
    return HomePanel(
        title=_("Administration"),
        links=(
            (_("Staff: invite, roles, deactivate"), reverse("accounts:staff")),
            (_("Administration: units and settings"), reverse("admin:index")),
        ),
        serves=frozenset({Role.ADMINISTRATOR}),
    )


# Roles whose own pages have not landed yet, and what to say to them. A
# role not named here whose work no panel serves gets the general note.
ROLES_STILL_COMING: dict[Role, StrOrPromise] = {}


def _coming_note(role: Role) -> str:
    note = ROLES_STILL_COMING.get(role)
    if note is not None:
        return str(note)
    return _(
        "The pages for your work as %(role)s are coming. Until then, this page "
        "shows what you can do today."
    ) % {"role": role.label}


@home_closing_panel
def coming(request: HttpRequest, shown: Sequence[ShownPanel]) -> HomePanel | None:
    """An honest note for each of the user's roles whose work no panel
    shown serves yet; and for an account holding no role, who to ask."""
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_active:
        return None
    roles = sorted(user.role_set(), key=lambda r: list(Role).index(r))
    if not roles:
        return HomePanel(
            title=_("Nothing here yet"),
            context={
                "note": _(
                    "Your account holds no role yet, so there is nothing here for you. "
                    "Ask your unit's administrator for the roles of your work."
                )
            },
        )
    if any(entry.failed for entry in shown):
        return None  # a panel that failed may have served the role
    served = roles_served(shown)
    notes = [_coming_note(role) for role in roles if role.value not in served]
    if not notes:
        return None
    return HomePanel(title=_("Coming"), context={"note": " ".join(notes)})
