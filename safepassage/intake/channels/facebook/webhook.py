"""Messenger Platform webhook: `GET|POST /channels/facebook/<channel-id>/webhook/`.

GET is the subscription handshake: the verify token is compared in
constant time and the challenge echoed. POST deliveries are signed with
the app secret (`X-Hub-Signature-256: sha256=<hex>` over the raw body);
each messaging event is stored encrypted, once per message id, and the
answer is 200 at once. Echoes of the page's own messages, delivery and
read receipts are recorded as ignored, without content. An event holding
what the database cannot (`storable.py`: a lone surrogate, NUL, an
integer past 64 bits, absurd nesting) is stored quarantined, escaped so
that it encodes, and the delivery still answered 200: a 400 would make
Meta retry the whole batch, the good events with it. An event nested past
`storable.MAX_DEPTH` refuses the delivery with 400 (it could not be
written back as text); no event of it is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from safepassage.core.permissions import public
from safepassage.intake.channels.webhooks import Refused, active_channel, json_object, read_body
from safepassage.intake.models import Channel, ChannelKind
from safepassage.intake.storable import DEPTH, storable_json, unstorable
from safepassage.intake.updates import update_receive

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_EVENTS = 1000


def event_kind(event: dict[str, Any]) -> tuple[str, bool]:
    """(kind, ignored on arrival)."""
    message = event.get("message")
    if isinstance(message, dict):
        return ("message_echo", True) if message.get("is_echo") else ("message", False)
    if "postback" in event:
        return "postback", False
    if "delivery" in event or "read" in event:
        return "receipt", True
    return "other", False


def event_id(event: dict[str, Any]) -> str:
    """The message id where there is one (printable ASCII, as Meta's are,
    so that the column holds it); otherwise a digest of the event (never
    the sender's id in clear: it is a channel address)."""
    for key in ("message", "postback"):
        body = event.get(key)
        mid = body.get("mid") if isinstance(body, dict) else None
        if isinstance(mid, str) and 0 < len(mid) <= 90 and mid.isascii() and mid.isprintable():
            return "mid:" + mid
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:64]


def _signed(body: bytes, header: str, secret: str) -> bool:
    if not header.startswith("sha256=") or not secret:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[7:].encode("ascii", "replace"), expected.encode())


@public
@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, channel_id: uuid.UUID) -> HttpResponse:
    channel = active_channel(ChannelKind.FACEBOOK, channel_id)
    try:
        if request.method == "GET":
            return _handshake(request, channel)
        body = read_body(request)
        if not _signed(body, request.headers.get(SIGNATURE_HEADER, ""), channel.app_secret or ""):
            raise Refused(403, "bad signature")
        delivery = json_object(body)
        events = _events(delivery)
        reasons = [unstorable(event) for event in events]
        if DEPTH in reasons:
            raise Refused(400, "nested too deep")
    except Refused as refused:
        return refused.response(channel.pk)
    for event, reason in zip(events, reasons, strict=True):
        kind, ignored = event_kind(event)
        update_receive(
            channel=channel,
            provider_id=event_id(event),
            kind=kind,
            payload=storable_json(event),
            ignored=ignored,
            quarantine="" if ignored else reason,
        )
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")


def _handshake(request: HttpRequest, channel: Channel) -> HttpResponse:
    token = request.GET.get("hub.verify_token", "").encode("utf-8", "replace")
    challenge = request.GET.get("hub.challenge", "")
    if (
        request.GET.get("hub.mode") != "subscribe"
        or not hmac.compare_digest(token, (channel.webhook_secret or "").encode())
        or not challenge.isdigit()
        or len(challenge) > 64
    ):
        raise Refused(403, "bad verification")
    return HttpResponse(challenge, content_type="text/plain")


def _events(delivery: dict[str, Any]) -> list[dict[str, Any]]:
    if delivery.get("object") != "page" or not isinstance(delivery.get("entry"), list):
        raise Refused(400, "not a page delivery")
    events: list[dict[str, Any]] = []
    for entry in delivery["entry"]:
        messaging = entry.get("messaging") if isinstance(entry, dict) else None
        if not isinstance(messaging, list):
            continue
        events.extend(e for e in messaging if isinstance(e, dict))
    if len(events) > MAX_EVENTS:
        raise Refused(413, "too many events")
    return events
