"""The start page and the error pages.

Error pages never show a traceback, the path asked for, or anything about
the user: they render fixed templates with no view-supplied context.
"""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods

from .homes import home_panels
from .permissions import refusal_signalled, refuse_in_view, staff_view


@staff_view
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in start page: the panels the apps offer this user
    (`safepassage.core.homes`)."""
    return render(request, "core/home.html", {"panels": home_panels(request)})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseBadRequest(render_to_string("400.html"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Every 403 page. A refusal nobody signalled (the Django admin's, a
    service's `PermissionDenied`) is signalled here, so it is audited too."""
    if not refusal_signalled(request):
        refuse_in_view(request, "denied")
    return HttpResponseForbidden(render_to_string("403.html"))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseNotFound(render_to_string("404.html"))


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(render_to_string("500.html"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the plain 403 page; the reason is not shown."""
    return HttpResponseForbidden(render_to_string("403.html"))
