"""Headers every response carries."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class SecurityHeadersMiddleware:
    """Permissions-Policy everywhere; `no-store` wherever a user is signed in.

    Django's SecurityMiddleware and XFrameOptionsMiddleware set the rest
    (nosniff, referrer policy, COOP, frame denial); django-csp sets CSP.
    A page shown to a signed-in user may carry personal data, so no cache
    -- browser, proxy or Tor exit -- may keep it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(
            settings.STATIC_URL
        ):
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
        return response
