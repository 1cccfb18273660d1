"""Telegram Bot API webhook: `POST /channels/telegram/<channel-id>/webhook/`.

Checks `X-Telegram-Bot-Api-Secret-Token` in constant time, stores the
update encrypted (once per `update_id`; quarantined when it holds what
the database cannot, `storable.py`) and answers 200 at once; reading
the conversation happens later, in the background. Updates from groups,
supergroups and channels are recorded as ignored, without their content.
Unknown or future update types are kept, under the kind "other".
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from safepassage.core.permissions import public
from safepassage.intake.channels.webhooks import (
    MAX_BODY,
    Refused,
    active_channel,
    json_object,
    read_body,
)
from safepassage.intake.models import ChannelKind
from safepassage.intake.storable import DEPTH, INT64_MAX, unstorable
from safepassage.intake.updates import update_receive

#: Update types the conversation will read; any other is kept as "other".
KNOWN_KINDS = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "channel_post",
    "edited_channel_post",
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


def update_kind(update: dict[str, object]) -> str:
    return next((k for k in KNOWN_KINDS if k in update), "other")


def from_a_group(update: dict[str, object], kind: str) -> bool:
    """Channel posts, and anything whose chat is not a private one."""
    if kind in ("channel_post", "edited_channel_post"):
        return True
    body = update.get(kind)
    if not isinstance(body, dict):
        return False
    message = body.get("message") if kind == "callback_query" else body
    chat = message.get("chat") if isinstance(message, dict) else None
    return isinstance(chat, dict) and chat.get("type") not in (None, "private")


@dataclass(frozen=True)
class Checked:
    provider_id: str
    kind: str
    ignored: bool
    payload: str
    #: Why the update is kept quarantined (`storable.unstorable`), or "".
    quarantine: str = ""


def check(*, secret_expected: str, secret_sent: str, body: bytes) -> Checked:
    """Everything a delivery must pass before it is kept (the view and the
    WSGI fast path, `fastpath.py` beside it, share it). Raises Refused.

    An `update_id` that no provider id column holds (past 64 bits) is
    refused: without it the update cannot be kept once; so is nesting
    past `storable.MAX_DEPTH` (it cannot be written back). Any other value
    the database cannot hold quarantines the update instead (`quarantine`
    set): it is accepted, so that Telegram does not retry it in front of
    the updates behind it."""
    sent = secret_sent.encode("utf-8", "replace")
    if not hmac.compare_digest(sent, secret_expected.encode()):
        raise Refused(403, "wrong secret token")
    if len(body) > MAX_BODY:
        raise Refused(413, "body too large")
    update = json_object(body)
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        raise Refused(400, "no update_id")
    if update_id > INT64_MAX:
        raise Refused(400, "update_id out of range")
    reason = unstorable(update)
    if reason == DEPTH:
        raise Refused(400, "nested too deep")
    kind = update_kind(update)
    ignored = from_a_group(update, kind)
    return Checked(str(update_id), kind, ignored, body.decode("utf-8"), "" if ignored else reason)


@public
@csrf_exempt
@require_POST
def webhook(request: HttpRequest, channel_id: uuid.UUID) -> HttpResponse:
    channel = active_channel(ChannelKind.TELEGRAM, channel_id)
    try:
        checked = check(
            secret_expected=channel.webhook_secret or "",
            secret_sent=request.headers.get(SECRET_HEADER, ""),
            body=read_body(request),
        )
    except Refused as refused:
        return refused.response(channel.pk)
    update_receive(
        channel=channel,
        provider_id=checked.provider_id,
        kind=checked.kind,
        payload=checked.payload,
        ignored=checked.ignored,
        quarantine=checked.quarantine,
    )
    return HttpResponse(status=200)
