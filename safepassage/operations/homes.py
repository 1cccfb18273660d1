"""The panic control on administrators' home page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.accounts.roles import Role
from safepassage.core.homes import HomePanel, home_panel


@home_panel(order=90)
def panic(request: HttpRequest) -> HomePanel | None:
    if not getattr(settings, "PANIC_CONTROL_ENABLED", True):
        return None
    has_any_role = getattr(request.user, "has_any_role", None)
    if has_any_role is None or not has_any_role([Role.ADMINISTRATOR]):
        return None
    return HomePanel(
        title=_("Emergency"),
        links=((_("Panic: destroy this machine's key ring"), reverse("operations:panic")),),
    )
