"""The outbox against local servers speaking the Bot API and the Graph API:
sent once, retried when it is safe, uncertain when it is not, paced."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.intake import outbox, services
from safepassage.intake.models import Contact, ContactMessage, OutboundMessage, OutboxState
from safepassage.intake.outbox.tasks import outbox_wake
from safepassage.intake.processing import contact_for
from safepassage.intake.tests.factories import FACEBOOK_APP_SECRET
from safepassage.intake.tests.fake_apis import fake_bot_api, fake_graph_api

pytestmark = pytest.mark.django_db
TOKEN = "123456:INVENTED-token"


@pytest.fixture
def operator():
    return UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])


def _bot(url: str):
    return services.channel_create(
        actor=None, kind="telegram", name="Bot", token=TOKEN, api_url=url
    )


def _contact(channel, address: str = "4242") -> Contact:
    return contact_for(channel, address, "my")[0]


def test_a_reply_is_sent_once_and_recorded_in_the_conversation(operator):
    with fake_bot_api() as (url, api):
        contact = _contact(_bot(url))
        outbox.reply_queue(actor=operator, contact=contact, body="ကျေးဇူးတင်ပါတယ်")
        assert outbox.outbox_send_due()["sent"] == 1
        assert outbox.outbox_send_due() == {}  # nothing twice
    (call,) = [c for c in api.calls if c.method == "sendMessage"]
    assert call.params["chat_id"] == 4242
    assert call.params["text"] == "ကျေးဇူးတင်ပါတယ်"
    message = OutboundMessage.objects.get()
    assert message.state == OutboxState.SENT
    assert message.provider_message_id
    sent = ContactMessage.objects.get(inbound=False)
    assert sent.body == "ကျေးဇူးတင်ပါတယ်"
    assert AuditEvent.objects.filter(action="intake.reply_sent").exists()


def test_telegram_rate_limit_queues_again_after_retry_after(operator):
    with fake_bot_api() as (url, api):
        contact = _contact(_bot(url))
        outbox.reply_queue(actor=operator, contact=contact, body="one")
        api.failures["sendMessage"] = (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 30},
            },
        )
        assert outbox.outbox_send_due()["retry"] == 1
    message = OutboundMessage.objects.get()
    assert message.state == OutboxState.QUEUED
    assert message.next_attempt_at >= timezone.now() + dt.timedelta(seconds=25)


def test_a_person_who_blocked_the_bot_is_marked_and_the_message_failed(operator):
    with fake_bot_api() as (url, api):
        contact = _contact(_bot(url))
        outbox.reply_queue(actor=operator, contact=contact, body="hello")
        api.failures["sendMessage"] = (
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )
        outbox.outbox_send_due()
    message = OutboundMessage.objects.get()
    assert (message.state, message.failure) == (OutboxState.FAILED, "blocked")
    assert Contact.objects.get().blocked


def test_an_unreachable_provider_is_retried_with_back_off(operator):
    contact = _contact(_bot("http://127.0.0.1:9"))
    outbox.reply_queue(actor=operator, contact=contact, body="hello")
    assert outbox.outbox_send_due()["retry"] == 1
    message = OutboundMessage.objects.get()
    assert message.state == OutboxState.QUEUED
    assert message.attempts == 1


def test_a_sender_that_died_mid_send_leaves_the_message_uncertain_never_resent(operator):
    with fake_bot_api() as (url, api):
        contact = _contact(_bot(url))
        message = outbox.reply_queue(actor=operator, contact=contact, body="hello")
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=OutboxState.SENDING, claimed_until=timezone.now() - dt.timedelta(seconds=1)
        )
        outbox.outbox_send_due()
    assert OutboundMessage.objects.get().state == OutboxState.UNCERTAIN
    assert "sendMessage" not in api.methods()


def test_one_chat_gets_one_message_a_second_and_others_are_not_held_up(operator):
    with fake_bot_api() as (url, api):
        channel = _bot(url)
        chatty, other = _contact(channel, "1"), _contact(channel, "2")
        for text in ("a", "b", "c"):
            outbox.reply_queue(actor=operator, contact=chatty, body=text)
        outbox.reply_queue(actor=operator, contact=other, body="d")
        started = timezone.now()
        assert outbox.outbox_send_due()["sent"] == 2  # one for each chat
        waiting = OutboundMessage.objects.filter(state=OutboxState.QUEUED)
        assert waiting.count() == 2
        assert all(m.next_attempt_at > started for m in waiting)
        later = timezone.now() + dt.timedelta(seconds=2)
        assert outbox.outbox_send_due(now=later)["sent"] == 1
    texts = [c.params["text"] for c in api.calls if c.method == "sendMessage"]
    assert texts == ["a", "d", "b"]


def test_facebook_replies_go_through_the_send_api():
    with fake_graph_api() as (url, api):
        channel = services.channel_create(
            actor=None,
            kind="facebook",
            name="Page",
            token="EAAG-invented",
            app_secret=FACEBOOK_APP_SECRET,
            api_url=url,
        )
        contact = _contact(channel, "24000000000001")
        outbox.reply_queue(actor=None, contact=contact, body="hello")
        assert outbox.outbox_send_due()["sent"] == 1
        (call,) = api.calls
    assert call.path == "/v21.0/me/messages"
    assert call.token == "EAAG-invented"
    assert call.params["recipient"] == {"id": "24000000000001"}
    assert call.params["message"] == {"text": "hello"}


@pytest.mark.parametrize("body", ["", "   ", "x" * 4097])
def test_empty_or_oversized_replies_are_refused(operator, body):
    contact = _contact(_bot("http://127.0.0.1:9"))
    with pytest.raises(ValidationError):
        outbox.reply_queue(actor=operator, contact=contact, body=body)
    assert not OutboundMessage.objects.exists()


def test_only_intake_operators_and_unit_handlers_reply():
    contact = _contact(_bot("http://127.0.0.1:9"))
    for role in (Role.CASEWORKER, Role.SCREENING_OFFICER, Role.ADMINISTRATOR):
        with pytest.raises(PermissionDenied):
            outbox.reply_queue(actor=UserFactory(roles=[role]), contact=contact, body="x")
    handler = UserFactory(roles=[Role.UNIT_HANDLER])
    assert outbox.reply_queue(actor=handler, contact=contact, body="x").queued_by == handler


def test_outbox_send_command_reports_counts(operator):
    with fake_bot_api() as (url, _api):
        contact = _contact(_bot(url))
        outbox.reply_queue(actor=operator, contact=contact, body="hello")
        out = io.StringIO()
        call_command("outbox_send", stdout=out)
    assert "1 sent" in out.getvalue()


def test_a_conversation_keeps_its_order_when_an_earlier_message_must_be_retried(operator):
    with fake_bot_api() as (url, api):
        contact = _contact(_bot(url))
        api.failures["sendMessage"] = (502, {"ok": False, "error_code": 502})
        outbox.reply_queue(actor=operator, contact=contact, body="first")
        assert outbox.outbox_send_due()["retry"] == 1
        del api.failures["sendMessage"]
        outbox.reply_queue(actor=operator, contact=contact, body="second")
        later = timezone.now() + dt.timedelta(seconds=2)
        assert outbox.outbox_send_due(now=later) == {}  # "second" waits for "first"
        outbox.outbox_send_due(now=timezone.now() + dt.timedelta(seconds=10))
        outbox.outbox_send_due(now=timezone.now() + dt.timedelta(seconds=12))
    texts = [c.params["text"] for c in api.calls if c.method == "sendMessage"]
    assert texts == ["first", "first", "second"]


def test_the_next_due_time_is_what_the_sender_wakes_for(operator):
    contact = _contact(_bot("http://127.0.0.1:9"))
    assert outbox.outbox_next_due() is None
    message = outbox.reply_queue(actor=operator, contact=contact, body="later")
    OutboundMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(seconds=30)
    )
    assert outbox.outbox_next_due() == OutboundMessage.objects.get().next_attempt_at


def test_the_sender_schedules_one_wake_up_for_what_falls_due_later(settings, operator):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    when = timezone.now() + dt.timedelta(seconds=3)
    assert outbox_wake(when) is True
    assert outbox_wake(when + dt.timedelta(seconds=1)) is False  # one is waiting already
    (row,) = DBTaskResult.objects.all()
    assert row.run_after == when
    assert outbox_wake(when - dt.timedelta(seconds=2)) is True  # an earlier one is needed


def test_outbox_send_sends_everything_due_in_order_in_one_run(operator):
    with fake_bot_api() as (url, api):
        contact = _contact(_bot(url))
        for text in ("one", "two", "three"):
            outbox.reply_queue(actor=operator, contact=contact, body=text)
        out = io.StringIO()
        call_command("outbox_send", "--wait", "5", stdout=out)
    assert "3 sent" in out.getvalue()
    assert [c.params["text"] for c in api.calls if c.method == "sendMessage"] == [
        "one",
        "two",
        "three",
    ]


def test_outbox_send_refuses_a_wait_out_of_range():
    with pytest.raises(CommandError):
        call_command("outbox_send", "--wait", "-1")
