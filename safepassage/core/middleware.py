"""Headers every response carries; a database outage answered 503."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

NO_STORE = "no-store, no-cache, must-revalidate, private"


class SecurityHeadersMiddleware:
    """Permissions-Policy and CORP everywhere; `no-store` on every page.

    Django's SecurityMiddleware and XFrameOptionsMiddleware set the rest
    (nosniff, referrer policy, COOP, frame denial); django-csp sets CSP.
    A page shown to a signed-in user may carry personal data, and even the
    sign-in page carries a CSRF token and what was typed, so no cache --
    browser, proxy or Tor exit -- may keep any page. Static files alone
    are cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = NO_STORE
            response.headers["Pragma"] = "no-cache"
        return response


logger = logging.getLogger("safepassage.core")


class DatabaseUnavailableMiddleware:
    """A view that meets a database connection fault (PostgreSQL restarting,
    a connection dropped) answers 503 with a page saying so and asking to
    try again, not a 500: its transaction was not committed, so nothing of
    the request was kept; a webhook's provider delivers again on a non-2xx.

    Django closes the broken connection at the end of the request (its
    `request_finished` handler; `CONN_HEALTH_CHECKS` checks a kept one
    before the next request uses it), so the product recovers as soon as
    the database is back, without a restart. A fault raised outside views
    is caught by `core.views.server_error`. Only the fault's type is
    logged: its message may quote the statement."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from .views import DATABASE_UNAVAILABLE, database_unavailable

        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.error("database unavailable: %s; answered 503", type(exception).__name__)
        return database_unavailable(request)
