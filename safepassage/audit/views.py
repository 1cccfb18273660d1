"""Headquarters' page of integrity alerts. No personal data: an alert
names a row by identifiers only."""

from __future__ import annotations

import contextlib

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.core.permissions import get_access_policy, refuse, requires_role

from . import selectors, services

hq_administrator = requires_role("administrator")


def _headquarters_only(request: HttpRequest, view: object) -> None:
    """A unit's administrator holds the role but not the scope: refused
    (and the refusal audited, as every refusal)."""
    if not selectors.user_sees_integrity_alerts(request.user):
        raise refuse(request, get_access_policy(view), "not_headquarters")


@hq_administrator
@require_http_methods(["GET"])
def integrity_alerts(request: HttpRequest) -> HttpResponse:
    _headquarters_only(request, integrity_alerts)
    open_alerts, resolved = selectors.integrity_alerts()
    return render(
        request, "audit/integrity_alerts.html", {"open_alerts": open_alerts, "resolved": resolved}
    )


@hq_administrator
@require_POST
def integrity_alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _headquarters_only(request, integrity_alert_resolve)
    alert = selectors.integrity_alert_open_get(pk)
    if alert is None:
        raise Http404
    with contextlib.suppress(ValueError):  # resolved by another administrator just now
        services.integrity_alert_resolve(actor=request.user, alert=alert)
    return HttpResponseRedirect(reverse("audit:integrity_alerts"))
