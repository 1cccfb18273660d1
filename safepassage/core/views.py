"""The start page and the error pages.

Error pages never show a traceback, the path asked for, or anything about
the user: they render fixed templates with no view-supplied context.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
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
from django.utils.translation import get_language
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


logger = logging.getLogger("safepassage.core")

#: The database could not be reached or answered with a connection fault
#: (PostgreSQL restarting, a dropped connection, SQLite busy past its
#: timeout): a passing fault, answered 503, not a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
#: Seconds a client (a browser, Telegram) is asked to wait before trying again.
RETRY_AFTER = "30"
UNAVAILABLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def database_unavailable(request: HttpRequest | None = None) -> HttpResponse:
    """503 with a page that says the database is unavailable and nothing
    of this request was kept. Renders with no request context: context
    processors may read the database, which is what just failed."""
    body = render_to_string("503.html", {"LANGUAGE_CODE": get_language() or "en"})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = RETRY_AFTER
    # Set here: a fault in a middleware returns this page past the
    # middleware that would set them (CSP, frame denial).
    response["Content-Security-Policy"] = UNAVAILABLE_CSP
    response["X-Frame-Options"] = "DENY"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Every 500 page; a database connection fault raised outside a view
    (a middleware loading the session or the user) gets the 503 page.
    Django calls this inside its exception handler, so the exception is
    the one being handled."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable(request)
    return HttpResponseServerError(render_to_string("500.html"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the plain 403 page; the reason is not shown."""
    return HttpResponseForbidden(render_to_string("403.html"))
