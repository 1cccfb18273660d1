"""While the vault is locked, the product serves nothing but a plain notice."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from . import keyring
from .exceptions import DecryptionError, VaultLocked

logger = logging.getLogger(__name__)


def locked_response(request: HttpRequest) -> HttpResponse:
    body = render_to_string("vault/locked.html", request=request)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "60"
    return response


def integrity_response(request: HttpRequest) -> HttpResponse:
    body = render_to_string("vault/integrity_failed.html", request=request)
    return HttpResponse(body, status=409)


class VaultLockedMiddleware:
    """Refuse every request but static files while the key ring is locked.

    Signing in is refused too: a sign-in writes audit events, and audit
    needs keys. The first request of a process tries the passphrase handed
    over by the service manager (once; see keyring.try_unlock_from_environment).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not keyring.is_unlocked()
            and not request.path.startswith(settings.STATIC_URL)
            and not keyring.try_unlock_from_environment()
        ):
            return locked_response(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, VaultLocked):
            return locked_response(request)
        if isinstance(exception, DecryptionError):
            logger.error(
                "vault: integrity failure on %s",
                request.resolver_match and request.resolver_match.view_name,
            )
            return integrity_response(request)
        return None
