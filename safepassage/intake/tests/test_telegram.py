"""The Telegram webhook: secret, size, shape, once per update, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.audit.models import AuditEvent
from safepassage.intake.channels.webhooks import MAX_BODY
from safepassage.intake.models import Channel, InboundUpdate, UpdateState
from safepassage.intake.tests.factories import TELEGRAM_SECRET, private_message, telegram_channel

pytestmark = pytest.mark.django_db


def _post(client, channel, body, secret=TELEGRAM_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(
        reverse("intake:telegram_webhook", kwargs={"channel_id": channel.public_id}),
        data=body if isinstance(body, bytes | str) else json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_an_update_is_stored_encrypted_once_and_answered_at_once(client):
    channel = telegram_channel()
    update = private_message(1001, text="ကျွန်တော် ထွက်ချင်တယ်")
    assert _post(client, channel, update).status_code == 200
    assert _post(client, channel, update).status_code == 200  # Telegram retries
    stored = InboundUpdate.objects.get()
    assert stored.provider_id == "1001"
    assert stored.kind == "message"
    assert stored.state == UpdateState.RECEIVED
    assert json.loads(stored.payload) == update
    raw = InboundUpdate.objects.values_list("payload", flat=True).get()
    assert "ထွက်ချင်" not in str(raw)
    assert AuditEvent.objects.filter(action="intake.update_received").count() == 1


@pytest.mark.parametrize(
    ("secret", "status"),
    [(None, 403), ("", 403), ("wrong", 403), (TELEGRAM_SECRET + "x", 403), ("ဝ" * 10, 403)],
)
def test_a_wrong_secret_is_refused_and_nothing_stored(client, secret, status, caplog):
    channel = telegram_channel()
    assert (
        _post(client, channel, private_message(5, text="secret words"), secret).status_code == 403
    )
    assert not InboundUpdate.objects.exists()
    assert "secret words" not in caplog.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"{not json", 400),
        (b"\xff\xfe\x00", 400),
        (b"[1, 2]", 400),
        (b'{"message": {}}', 400),
        (b'{"update_id": "7"}', 400),
        (b'{"update_id": true}', 400),
        (b'{"update_id": -1}', 400),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (b'{"update_id": 1, "pad": "' + b"x" * MAX_BODY + b'"}', 413),
    ],
)
def test_malformed_or_oversized_bodies_get_400_or_413(client, body, status):
    channel = telegram_channel()
    assert _post(client, channel, body).status_code == status
    assert not InboundUpdate.objects.exists()


def test_group_and_channel_posts_are_kept_as_ignored_without_content(client):
    channel = telegram_channel()
    group = private_message(10, text="in the group")
    group["message"]["chat"] = {"id": -100, "type": "supergroup", "title": "Invented group"}
    post = {
        "update_id": 11,
        "channel_post": {"message_id": 1, "chat": {"id": -200, "type": "channel"}},
    }
    for update in (group, post):
        assert _post(client, channel, update).status_code == 200
    rows = {u.provider_id: u for u in InboundUpdate.objects.all()}
    assert rows["10"].state == rows["11"].state == UpdateState.IGNORED
    assert rows["10"].payload == rows["11"].payload == ""


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        ({"edited_message": {"chat": {"id": 1, "type": "private"}}}, "edited_message"),
        ({"callback_query": {"id": "9", "data": "conscript"}}, "callback_query"),
        ({"my_chat_member": {"new_chat_member": {"status": "kicked"}}}, "my_chat_member"),
        ({"message_reaction": {"chat": {"id": 1}}}, "other"),
        ({"some_future_update": {"x": 1}}, "other"),
    ],
)
def test_every_update_type_is_kept_under_a_known_kind(client, extra, kind):
    channel = telegram_channel()
    assert _post(client, channel, {"update_id": 77, **extra}).status_code == 200
    assert InboundUpdate.objects.get().kind == kind


def test_an_unknown_or_inactive_channel_is_not_found(client):
    channel = telegram_channel()
    channel.is_active = False
    channel.save()
    assert _post(client, channel, private_message(1)).status_code == 404


def test_get_is_not_allowed(client):
    channel = telegram_channel()
    url = reverse("intake:telegram_webhook", kwargs={"channel_id": channel.public_id})
    assert client.get(url).status_code == 405


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
        ),
        max_leaves=20,
    ),
    st.integers(min_value=0, max_value=2**53),
)
def test_hostile_payloads_never_give_a_500(value, update_id):
    client = Client(raise_request_exception=False)
    # Examples share the test's database: one channel for all of them.
    channel = Channel.objects.filter(name="hostile").first() or telegram_channel(name="hostile")
    for body in (
        {"update_id": update_id, "message": value},
        {"update_id": update_id, "x": value},
        value,
    ):
        response = _post(client, channel, body)
        assert response.status_code in (200, 400), response.status_code
