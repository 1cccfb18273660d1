"""What every webhook does before a channel adapter reads anything.

Bad deliveries get a status and a log line that names the channel and the
reason, never the body: 403 for a wrong secret or signature, 413 for a
body over `MAX_BODY`, 400 for anything that is not a JSON object. (What is
kept of it is checked by the channel: `storable.py`.)
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse

from safepassage.intake.models import Channel

logger = logging.getLogger("safepassage.intake")

#: Telegram updates are a few KiB; Facebook batches more. Anything larger is refused.
MAX_BODY = 256 * 1024


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self, channel: object) -> HttpResponse:
        logger.warning("webhook refused: channel %s, %s (%s)", channel, self.reason, self.status)
        return HttpResponse(status=self.status)


def read_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "bad content length") from None
    if declared > MAX_BODY:
        raise Refused(413, "body too large")
    try:
        body = request.body
    except RequestDataTooBig:
        raise Refused(413, "body too large") from None
    if len(body) > MAX_BODY:
        raise Refused(413, "body too large")
    return body


def json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "not JSON") from None
    if not isinstance(data, dict):
        raise Refused(400, "not a JSON object")
    return data


def active_channel(kind: str, public_id: uuid.UUID) -> Channel:
    """The active channel of this kind with this public id, or 404."""
    channel = (
        Channel.objects.filter(public_id=public_id, kind=kind, is_active=True)
        .select_related("data_key__unit_key")
        .first()
    )
    if channel is None:
        raise Http404
    return channel
