"""A WSGI front for the Telegram webhook: the spool (`intake/spool/`) without
Django's request machinery.

The webhook needs none of the middleware (no session, no sign-in, no
CSRF, no page to protect with CSP): it is authenticated by its secret
header alone. Passing it through the stack cost more than the rest of
accepting an update (docs/benchmarks.md), so `config/wsgi.py` puts this
in front when INTAKE_WEBHOOK_SPOOL is on. It does what the view and the
middleware would have done for this one path, and no more:

* only `POST /channels/telegram/<uuid>/webhook/`; anything else goes to
  Django unchanged (a GET gets Django's 405);
* 503 while the key ring is locked, or when the database cannot be
  reached or the spool's disk is full or failing (Telegram retries);
  404 for a channel that is unknown or inactive, then
  `telegram.webhook.check` (secret in constant time, 413, 400) with
  the same status codes and log lines as the view;
* the delivery is appended to this process's spool file and synced
  before the empty 200 goes out, with the reason it is to be quarantined
  when it holds what the database cannot (`storable.py`);
* channels (public id, secret) are kept in memory for `CHANNEL_TTL`
  seconds: a deactivated channel or a changed secret takes effect
  within that time; an unknown id never causes a reload.
"""

from __future__ import annotations

import errno
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signals
from django.db import InterfaceError, OperationalError

from safepassage.intake import spool
from safepassage.intake.channels.telegram.webhook import SECRET_HEADER, check
from safepassage.intake.channels.webhooks import MAX_BODY, Refused
from safepassage.intake.models import Channel, ChannelKind
from safepassage.vault import keyring

logger = logging.getLogger("safepassage.intake")

PATH = re.compile(
    r"^/channels/telegram/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/webhook/$"
)
CHANNEL_TTL = 10.0
REASONS = {
    200: "200 OK",
    400: "400 Bad Request",
    403: "403 Forbidden",
    404: "404 Not Found",
    413: "413 Request Entity Too Large",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}
HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", "0"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]


@dataclass(frozen=True)
class KnownChannel:
    pk: int
    secret: str


class ChannelCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = float("-inf")
        self.channels: dict[str, KnownChannel] = {}

    def get(self, public_id: str) -> KnownChannel | None:
        with self.lock:
            if time.monotonic() - self.loaded_at > CHANNEL_TTL:
                self._reload()
            return self.channels.get(public_id)

    def _reload(self) -> None:
        found = Channel.objects.filter(kind=ChannelKind.TELEGRAM, is_active=True).select_related(
            "data_key__unit_key"
        )
        self.channels = {
            str(c.public_id): KnownChannel(c.pk, c.webhook_secret or "") for c in found
        }
        self.loaded_at = time.monotonic()


StartResponse = Callable[..., Any]
#: Faults that pass (docs/operations.md, "Faults survived"): a database
#: connection fault, a full or failing disk under the spool.
PASSING = (OperationalError, InterfaceError, OSError)
RETRY_AFTER = "30"
#: The secret header's WSGI environ key, computed once.
SECRET_ENVIRON = "HTTP_" + SECRET_HEADER.upper().replace("-", "_")


def _name(exc: BaseException) -> str:
    """The fault's type, and its errno for a disk fault (never its message:
    a database error's may quote the statement)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{type(exc).__name__} {errno.errorcode.get(exc.errno, exc.errno)}"
    return type(exc).__name__


class TelegramWebhookFastPath:
    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.channels = ChannelCache()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = PATH.match(environ.get("PATH_INFO", ""))
        if (
            match is None
            or environ.get("REQUEST_METHOD") != "POST"
            or not settings.INTAKE_WEBHOOK_SPOOL
        ):
            return self.app(environ, start_response)
        # Django's request signals, as its own handler sends them: they
        # drop database connections that broke or aged (a restarted
        # PostgreSQL would otherwise fail every later delivery).
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            status = self.accept(environ, match.group(1))
        except PASSING as exc:  # not acknowledged: Telegram delivers it again
            # The database unreachable, the spool's disk full or failing:
            # nothing was kept (intake/spool/), and the fault passes.
            logger.error("webhook fast path: update not kept, answered 503 (%s)", _name(exc))
            status = 503
        except Exception:  # not acknowledged: Telegram delivers it again
            logger.exception("webhook fast path: could not keep an update")
            status = 500
        finally:
            signals.request_finished.send(sender=self.__class__)
        headers = list(HEADERS)
        if status == 503:
            headers.append(("Retry-After", RETRY_AFTER))
        start_response(REASONS[status], headers)
        return [b""]

    def accept(self, environ: dict[str, Any], public_id: str) -> int:
        if not keyring.is_unlocked() and not keyring.try_unlock_from_environment():
            return 503
        channel = self.channels.get(public_id)
        if channel is None:
            return 404
        try:
            try:
                declared = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                raise Refused(400, "bad content length") from None
            if declared > MAX_BODY:
                raise Refused(413, "body too large")
            body = environ["wsgi.input"].read(declared) if declared > 0 else b""
            header = SECRET_ENVIRON
            checked = check(
                secret_expected=channel.secret,
                secret_sent=environ.get(header, ""),
                body=body,
            )
        except Refused as refused:
            logger.warning(
                "webhook refused: channel %s, %s (%s)", channel.pk, refused.reason, refused.status
            )
            return refused.status
        spool.writer().append(
            spool.Delivery(
                channel.pk,
                checked.provider_id,
                checked.kind,
                checked.ignored,
                checked.payload,
                checked.quarantine,
            )
        )
        return 200
