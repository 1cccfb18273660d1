"""The whole path, webhook → spool → drain → processing, under hostile JSON
values (property-based; run on SQLite and on PostgreSQL): whatever is
answered 200 is stored once and never left waiting, a value the database
cannot hold quarantines its own update and no other, nothing answers 500.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.audit.models import AuditEvent
from safepassage.intake import spool
from safepassage.intake.channels.facebook.webhook import event_id
from safepassage.intake.channels.telegram import fastpath
from safepassage.intake.channels.webhooks import MAX_BODY
from safepassage.intake.models import Channel, InboundUpdate, UpdateState
from safepassage.intake.storable import INT64_MAX, too_deep, unstorable
from safepassage.intake.tests.factories import (
    TELEGRAM_SECRET,
    facebook_channel,
    private_message,
    signed,
    telegram_channel,
)
from safepassage.intake.tests.test_spool import _call, _django, spooled  # noqa: F401

pytestmark = pytest.mark.django_db
_ids = itertools.count(10_000)

SETTLED = {
    UpdateState.PROCESSED,
    UpdateState.FAILED,
    UpdateState.QUARANTINED,
    UpdateState.IGNORED,
}


def _nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = {"n": [value]}
    return value


hostile_text = st.text(
    alphabet=st.characters(categories=["Cs"]) | st.characters(exclude_categories=()),
    max_size=20,
)
hostile_scalar = st.one_of(
    st.sampled_from(
        [
            json.loads('"\\ud800"'),
            json.loads('"x\\udfff"'),
            "\x00",
            "a\x00b",
            2**63,
            -(2**63) - 1,
            10**150,
            float("inf"),
            float("nan"),
            "x" * 60_000,
            "ကောင်း" * 4_000,
        ]
    ),
    hostile_text,
    st.integers(min_value=-(10**200), max_value=10**200),
    st.floats(),
    st.booleans(),
    st.none(),
)
hostile = st.one_of(
    hostile_scalar,
    st.integers(min_value=1, max_value=40).map(_nested),
    st.recursive(
        hostile_scalar,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3)
        ),
        max_leaves=6,
    ),
)
PLACES = ["text", "chat.id", "from.first_name", "message_id", "key", "entities", "update_id"]


def _fits(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= INT64_MAX


def _telegram_update(place: str, value: object) -> dict[str, Any]:
    update = private_message(next(_ids), text="hello", chat_id=next(_ids))
    message = update["message"]
    if place == "text":
        message["text"] = value
    elif place == "chat.id":
        message["chat"]["id"] = value
    elif place == "from.first_name":
        message["from"]["first_name"] = value
    elif place == "message_id":
        message["message_id"] = value
    elif place == "key":
        message[value if isinstance(value, str) else "extra"] = value
    elif place == "entities":
        message["entities"] = [{"type": "bold", "offset": 0, "length": value}]
    elif place == "update_id" and not _fits(value):  # a valid one might repeat another
        update["update_id"] = value
    return update


def _check_settled(row: InboundUpdate, sent: dict[str, Any]) -> None:
    """The invariants for one delivery answered 200."""
    assert row.state in SETTLED
    reason = unstorable(sent)
    if reason and row.state != UpdateState.IGNORED:
        assert row.state == UpdateState.QUARANTINED
        assert row.reason == reason
        assert AuditEvent.objects.filter(
            action="intake.update_quarantined", target_id=str(row.pk)
        ).exists()
    elif not reason:
        assert row.state != UpdateState.QUARANTINED, row.reason


@pytest.fixture
def path(request, client, django_capture_on_commit_callbacks):
    writer = request.getfixturevalue("spooled")
    return writer, client, django_capture_on_commit_callbacks


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.sampled_from(PLACES), hostile, st.sampled_from(["fast", "view"])),
        min_size=1,
        max_size=5,
    ),
    st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_telegram_whole_path_under_hostile_values(path, deliveries, clean):
    writer, client, capture = path
    channel = Channel.objects.filter(name="hostile bot").first() or telegram_channel(
        name="hostile bot"
    )
    app = fastpath.TelegramWebhookFastPath(_django)
    sent: list[tuple[int, dict[str, Any]]] = []
    with capture(execute=True):
        for (place, value, route), plain in zip(deliveries, clean, strict=False):
            update = _telegram_update("none" if plain else place, value)
            body = json.dumps(update).encode()
            if route == "fast":
                # The test client reconnects what `spooled` disconnected.
                signals.request_started.disconnect(close_old_connections)
                signals.request_finished.disconnect(close_old_connections)
                status = _call(app, channel.webhook_path(), body)[0]
            else:
                status = client.post(
                    channel.webhook_path(),
                    data=body,
                    content_type="application/json",
                    headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
                ).status_code
            sent.append((status, json.loads(body)))
        writer.rotate(force=True)  # drained, then read, at once (immediate tasks)
    assert not list(spool.spool_dir().iterdir())
    for status, update in sent:
        update_id = update["update_id"]
        if status == 413:
            assert len(json.dumps(update)) > MAX_BODY
            continue
        if status == 400:
            assert too_deep(update) or not _fits(update_id)
            continue
        assert status == 200
        _check_settled(
            InboundUpdate.objects.get(channel=channel, provider_id=str(update_id)), update
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.sampled_from(["text", "mid", "sender", "key", "attachment"]), hostile),
        min_size=1,
        max_size=4,
    ),
)
def test_facebook_whole_path_under_hostile_values(
    client, django_capture_on_commit_callbacks, items
):
    page = Channel.objects.filter(name="hostile page").first() or facebook_channel(
        name="hostile page"
    )
    events = []
    for place, value in items:
        n = next(_ids)
        event: dict[str, Any] = {
            "sender": {"id": str(n)},
            "recipient": {"id": "1"},
            "message": {"mid": f"m{n}", "text": "hello"},
        }
        if place == "text":
            event["message"]["text"] = value
        elif place == "mid":  # kept apart from the other events' mids
            event["message"]["mid"] = f"{value}-{n}" if isinstance(value, str) else value
        elif place == "sender":
            event["sender"]["id"] = value
        elif place == "key":
            event["message"][value if isinstance(value, str) else "extra"] = value
        else:
            del event["message"]["text"]
            event["message"]["attachments"] = [{"type": "image", "payload": value}]
        events.append(event)
    body = json.dumps({"object": "page", "entry": [{"id": "1", "messaging": events}]}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page.webhook_path(),
            data=body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signed(body)},
        )
    delivery = json.loads(body)
    if response.status_code == 413:
        assert len(body) > MAX_BODY
        return
    if response.status_code == 400:
        assert too_deep(delivery)
        return
    received = delivery["entry"][0]["messaging"]
    assert response.status_code == 200
    for event in received:
        _check_settled(InboundUpdate.objects.get(channel=page, provider_id=event_id(event)), event)
