"""The finance panel on the home page, for reward officers and approvers."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from safepassage.core.homes import HomePanel, home_panel

from .policies import FINANCE_ROLES, is_finance, is_headquarters_finance


@home_panel(order=30)
def finance(request: HttpRequest) -> HomePanel | None:
    user = request.user
    if not is_finance(user):
        return None
    links = [(_("Money: floats, payments, counts"), reverse("ledger:overview"))]
    unit_id = getattr(user, "unit_id", None)
    if unit_id:
        links.append((_("Count the unit's cash"), reverse("ledger:reconcile", args=[unit_id])))
    if is_headquarters_finance(user):
        links.append((_("Export payments (CSV)"), reverse("ledger:export", args=["csv"])))
    links.append((_("Check a receipt"), reverse("receipts:verify")))
    return HomePanel(title=_("Finance"), links=tuple(links), serves=frozenset(FINANCE_ROLES))
