"""The Messenger webhook: handshake, signature, events stored once, never a 500."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from safepassage.intake.models import InboundUpdate, UpdateState
from safepassage.intake.tests.factories import (
    FACEBOOK_VERIFY,
    facebook_channel,
    page_delivery,
    signed,
)

pytestmark = pytest.mark.django_db

MESSAGE = {
    "sender": {"id": "24000000000001"},
    "recipient": {"id": "1001"},
    "timestamp": 1764400000000,
    "message": {"mid": "m_invented_1", "text": "မင်္ဂလာပါ"},
}


def _url(channel):
    return reverse("intake:facebook_webhook", kwargs={"channel_id": channel.public_id})


def _post(client, channel, body: bytes, signature: str | None = None):
    return client.post(
        _url(channel),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signed(body) if signature is None else signature},
    )


def test_the_handshake_echoes_the_challenge_for_the_right_token_only(client):
    channel = facebook_channel()
    ok = {
        "hub.mode": "subscribe",
        "hub.verify_token": FACEBOOK_VERIFY,
        "hub.challenge": "1158201444",
    }
    response = client.get(_url(channel), ok)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    for bad in (
        {**ok, "hub.verify_token": "wrong"},
        {**ok, "hub.mode": "unsubscribe"},
        {**ok, "hub.challenge": "<script>alert(1)</script>"},
        {},
    ):
        assert client.get(_url(channel), bad).status_code == 403


def test_a_signed_delivery_is_stored_once_per_message(client):
    channel = facebook_channel()
    body = page_delivery(MESSAGE)
    assert _post(client, channel, body).status_code == 200
    assert _post(client, channel, body).status_code == 200
    stored = InboundUpdate.objects.get()
    assert stored.provider_id == "mid:m_invented_1"
    assert stored.kind == "message"
    assert json.loads(stored.payload) == MESSAGE


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=", "sha256=" + "0" * 64, "sha1=abc", signed(b"other body")],
)
def test_a_bad_signature_is_refused_and_nothing_stored(client, signature):
    channel = facebook_channel()
    assert _post(client, channel, page_delivery(MESSAGE), signature).status_code == 403
    assert not InboundUpdate.objects.exists()


def test_echoes_and_receipts_are_ignored_without_content_and_the_sender_never_in_clear(client):
    channel = facebook_channel()
    echo = {**MESSAGE, "message": {"mid": "m_echo", "is_echo": True, "text": "from the page"}}
    receipt = {
        "sender": {"id": "24000000000001"},
        "recipient": {"id": "1001"},
        "delivery": {"watermark": 1},
    }
    assert _post(client, channel, page_delivery(echo, receipt)).status_code == 200
    rows = list(InboundUpdate.objects.all())
    assert {r.state for r in rows} == {UpdateState.IGNORED}
    assert {r.payload for r in rows} == {""}
    assert all("24000000000001" not in r.provider_id for r in rows)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"object": "user", "entry": []}', b'{"object": "page"}'],
)
def test_malformed_signed_bodies_get_400(client, body):
    channel = facebook_channel()
    assert _post(client, channel, body).status_code == 400
