"""While the vault is locked, the product serves nothing but a plain notice."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from . import keyring, signals
from .exceptions import DecryptionError, KeyShredded, UnitMismatch, VaultLocked

logger = logging.getLogger(__name__)


def locked_response(request: HttpRequest) -> HttpResponse:
    body = render_to_string("vault/locked.html", request=request)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "60"
    return response


def integrity_response(request: HttpRequest, *, reported: bool = False) -> HttpResponse:
    body = render_to_string("vault/integrity_failed.html", {"reported": reported}, request=request)
    return HttpResponse(body, status=409)


def integrity_report(request: HttpRequest, error: DecryptionError) -> bool:
    """Tell the receivers of `signals.integrity_failed`; True when one of
    them recorded the failure. A receiver that fails is logged, never
    raised: the refusal stands whether or not the report could be made.
    A key shredded on purpose is no alteration and is not reported."""
    if isinstance(error, KeyShredded) or error.row is None:
        return False
    reported = False
    for _receiver, result in signals.integrity_failed.send_robust(
        sender=DecryptionError, error=error, request=request
    ):
        if isinstance(result, Exception):
            logger.error(
                "vault: an integrity failure could not be reported [%s]",
                type(result).__name__,
            )
        elif result is True:
            reported = True
    return reported


class VaultLockedMiddleware:
    """Refuse every request but static files while the key ring is locked.

    Signing in is refused too: a sign-in writes audit events, and audit
    needs keys. The first request of a process tries the passphrase handed
    over by the service manager (once; see keyring.try_unlock_from_environment).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if keyring.panicked() and keyring.is_unlocked():
            keyring.lock()  # a panic elsewhere on this machine: no page at all
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
        if isinstance(exception, UnitMismatch):
            # Again, now that the view's transactions are over: the alert
            # is written if a rollback took the first one (keys.py).
            signals.unit_binding_refused.send(
                sender=UnitMismatch, exception=exception, request=request
            )
        if isinstance(exception, DecryptionError):
            logger.error(
                "vault: integrity failure on %s",
                request.resolver_match and request.resolver_match.view_name,
            )
            return integrity_response(request, reported=integrity_report(request, exception))
        return None
