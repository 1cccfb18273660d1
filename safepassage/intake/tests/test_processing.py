"""Stored updates read into contacts and messages: every shape the issue names."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.audit.models import AuditEvent
from safepassage.intake import services
from safepassage.intake.models import (
    Channel,
    Contact,
    ContactMessage,
    InboundUpdate,
    MessageKind,
    UpdateState,
)
from safepassage.intake.processing import update_process
from safepassage.intake.tests.factories import (
    TELEGRAM_SECRET,
    facebook_channel,
    page_delivery,
    private_message,
    signed,
    telegram_channel,
)

pytestmark = pytest.mark.django_db
CHAT = 4242


def _store(channel, update: dict, provider_id: str | None = None) -> InboundUpdate:
    return services.update_receive(
        channel=channel,
        provider_id=provider_id or str(update.get("update_id")),
        kind="message",
        payload=json.dumps(update, ensure_ascii=False),
    ).update


def _message(update_id: int, **content) -> dict:
    update = private_message(update_id, chat_id=CHAT)
    del update["message"]["text"]
    update["message"].update(content)
    return update


@pytest.mark.parametrize(
    ("update", "kind", "says"),
    [
        (private_message(1, text="I can leave on Friday"), MessageKind.TEXT, "leave on Friday"),
        (private_message(2, text="ေမာင္ေဇာ္ဝင္း"), MessageKind.TEXT, "မောင်ဇော်ဝင်း"),  # Zawgyi in
        (
            _message(3, photo=[{"file_id": "small"}, {"file_id": "AgAD-large"}], caption="rifle"),
            MessageKind.PHOTO,
            "AgAD-large",
        ),
        (
            _message(4, location={"latitude": 21.9, "longitude": 95.97}),
            MessageKind.LOCATION,
            "95.97",
        ),
        (
            _message(5, contact={"phone_number": "+959420000777", "first_name": "Mother"}),
            MessageKind.SHARED_CONTACT,
            "+959420000777",
        ),
        (_message(6, sticker={"file_id": "CAAC-sticker"}), MessageKind.STICKER, "CAAC-sticker"),
        (
            _message(7, voice={"file_id": "AwAC-voice", "duration": 3}),
            MessageKind.VOICE,
            "AwAC-voice",
        ),
        (_message(8, document={"file_id": "BQAC-doc"}), MessageKind.DOCUMENT, "BQAC-doc"),
        (_message(9, dice={"emoji": "🎲", "value": 3}), MessageKind.OTHER, ""),
    ],
)
def test_every_kind_of_telegram_message_is_recorded_encrypted(update, kind, says):
    channel = telegram_channel()
    stored = _store(channel, update)
    assert update_process(stored.pk) == UpdateState.PROCESSED
    message = ContactMessage.objects.get()
    assert message.kind == kind
    assert says in message.body
    assert message.inbound
    contact = message.contact
    assert contact.address == str(CHAT)
    assert contact.language == "my"
    raw = ContactMessage.objects.values_list("body", flat=True).get()
    if says:
        assert says not in str(raw)


def test_messages_of_one_chat_go_to_one_contact_and_other_chats_to_others():
    channel = telegram_channel()
    for i, chat in enumerate((CHAT, CHAT, 5151)):
        update_process(_store(channel, private_message(100 + i, chat_id=chat)).pk)
    assert Contact.objects.count() == 2
    assert ContactMessage.objects.filter(contact__in=Contact.objects.all()).count() == 3
    assert AuditEvent.objects.filter(action="intake.message_received").count() == 3


def test_edits_buttons_and_blocking():
    channel = telegram_channel()
    edited = {"update_id": 20, "edited_message": private_message(0, text="Friday night")["message"]}
    button = {
        "update_id": 21,
        "callback_query": {
            "id": "77",
            "from": {"id": CHAT, "is_bot": False, "first_name": "Invented"},
            "message": private_message(0)["message"],
            "data": "category:conscript",
        },
    }
    blocked = {
        "update_id": 22,
        "my_chat_member": {
            "chat": {"id": CHAT, "type": "private"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Invented"},
            "date": 1764400000,
            "old_chat_member": {
                "status": "member",
                "user": {"id": 1, "is_bot": True, "first_name": "B"},
            },
            "new_chat_member": {
                "status": "kicked",
                "user": {"id": 1, "is_bot": True, "first_name": "B"},
            },
        },
    }
    for update in (edited, button, blocked):
        assert update_process(_store(channel, update).pk) == UpdateState.PROCESSED
    kinds = list(ContactMessage.objects.values_list("kind", flat=True))
    assert kinds == [MessageKind.EDITED, MessageKind.BUTTON]
    assert Contact.objects.get().blocked


def test_a_facebook_delivery_becomes_messages_of_one_contact(client):
    channel = facebook_channel()
    text = {
        "sender": {"id": "24000000000001"},
        "recipient": {"id": "1"},
        "timestamp": 1,
        "message": {"mid": "m1", "text": "ကျွန်တော် ထွက်ချင်တယ်"},
    }
    reply = {
        "sender": {"id": "24000000000001"},
        "recipient": {"id": "1"},
        "timestamp": 2,
        "message": {"mid": "m2", "text": "Soldier", "quick_reply": {"payload": "category:soldier"}},
    }
    location = {
        "sender": {"id": "24000000000001"},
        "recipient": {"id": "1"},
        "timestamp": 3,
        "message": {
            "mid": "m3",
            "attachments": [
                {"type": "location", "payload": {"coordinates": {"lat": 16.8, "long": 96.1}}}
            ],
        },
    }
    for event in (text, reply, location):
        stored = services.update_receive(
            channel=channel,
            provider_id=event["message"]["mid"],
            kind="message",
            payload=json.dumps(event, ensure_ascii=False),
        ).update
        update_process(stored.pk)
    contact = Contact.objects.get()
    assert contact.address == "24000000000001"
    assert [m.kind for m in contact.messages.all()] == [
        MessageKind.TEXT,
        MessageKind.BUTTON,
        MessageKind.LOCATION,
    ]


@pytest.mark.parametrize(
    "payload",
    [
        "[]",
        '{"update_id": 1, "message": {"chat": "x"}}',
        '{"update_id": 1, "message": {"chat": {"id": "1"}}}',
        "not json",
    ],
)
def test_an_unreadable_update_is_marked_failed_never_raises(payload):
    channel = telegram_channel()
    stored = services.update_receive(
        channel=channel, provider_id="9", kind="message", payload=payload
    ).update
    assert update_process(stored.pk) == UpdateState.FAILED
    assert not ContactMessage.objects.exists()
    assert AuditEvent.objects.filter(action="intake.update_unreadable").exists()


def test_processing_twice_records_once():
    channel = telegram_channel()
    stored = _store(channel, private_message(1))
    update_process(stored.pk)
    assert update_process(stored.pk) == UpdateState.PROCESSED
    assert ContactMessage.objects.count() == 1


def test_the_webhook_hands_the_update_to_the_background_task(
    client, django_capture_on_commit_callbacks
):
    channel = telegram_channel()
    url = reverse("intake:telegram_webhook", kwargs={"channel_id": channel.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            data=json.dumps(private_message(31, text="hello")),
            content_type="application/json",
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        )
    assert InboundUpdate.objects.get().state == UpdateState.PROCESSED  # immediate backend in tests
    assert ContactMessage.objects.get().body == "hello"


def test_intake_process_catches_up_on_waiting_updates():
    channel = telegram_channel()
    for i in range(3):
        _store(channel, private_message(40 + i))
    out = io.StringIO()
    call_command("intake_process", stdout=out)
    assert "3 waiting updates read: 3 processed." in out.getvalue()
    assert not InboundUpdate.objects.filter(state=UpdateState.RECEIVED).exists()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "chat",
                        "id",
                        "text",
                        "photo",
                        "from",
                        "message",
                        "location",
                        "contact",
                        "file_id",
                        "data",
                        "sender",
                        "mid",
                        "attachments",
                        "type",
                        "payload",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=15,
    )
)
def test_hostile_stored_updates_are_processed_or_failed_never_raised(value):
    channel = Channel.objects.filter(name="hostile").first() or telegram_channel(name="hostile")
    page = Channel.objects.filter(name="hostile page").first() or facebook_channel(
        name="hostile page"
    )
    for target, body in (
        (channel, {"update_id": 1, "message": value}),
        (channel, {"update_id": 1, "callback_query": value}),
        (page, value if isinstance(value, dict) else {"x": value}),
    ):
        count = InboundUpdate.objects.count()
        stored = services.update_receive(
            channel=target, provider_id=f"h{count}", kind="message", payload=json.dumps(body)
        ).update
        assert update_process(stored.pk) in (UpdateState.PROCESSED, UpdateState.FAILED)


def test_signed_facebook_webhook_to_message(client, django_capture_on_commit_callbacks):
    channel = facebook_channel()
    body = page_delivery(
        {
            "sender": {"id": "24000000000009"},
            "recipient": {"id": "1"},
            "timestamp": 5,
            "message": {"mid": "m9", "text": "hi"},
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("intake:facebook_webhook", kwargs={"channel_id": channel.public_id}),
            data=body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signed(body)},
        )
    assert ContactMessage.objects.get().body == "hi"


def test_a_messenger_sender_id_that_is_not_numeric_is_logged_as_a_warning(caplog):
    channel = facebook_channel()
    event = {"sender": {"id": "not-a-psid"}, "message": {"mid": "m.x", "text": "hello"}}
    update = _store(channel, event, provider_id="m.x")
    with caplog.at_level("WARNING", logger="safepassage.intake"):
        assert update_process(update.pk) == UpdateState.FAILED
    (record,) = [r for r in caplog.records if "could not be read" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert "(sender)" in record.getMessage()
    assert "not-a-psid" not in record.getMessage()
    assert "hello" not in caplog.text
