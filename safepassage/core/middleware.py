"""Headers every response carries."""

from __future__ import annotations

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
