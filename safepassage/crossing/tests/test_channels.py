"""The crossing through the person's own channel and the staff channel:
real clients against the local Bot API and Graph API servers."""

from __future__ import annotations

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.crossing import services
from safepassage.crossing.models import AlertKind, CrossingAlert, StaffChannel
from safepassage.crossing.notify import alert_notify
from safepassage.intake.tests.fake_apis import fake_bot_api, fake_graph_api
from safepassage.intake.tests.test_conversation import Person, _facebook, _telegram, drain

from .factories import cast, plan_sent

pytestmark = pytest.mark.django_db

TOKEN = "123456:INVENTED_staff_token"


def _staff_channel(unit, url: str) -> StaffChannel:
    admin = UserFactory(unit=unit, roles=[Role.ADMINISTRATOR])
    return services.staff_channel_save(
        actor=admin, unit_id=unit.pk, chat_id="-100123", token=TOKEN, api_url=url, is_active=True
    )


def _inline(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


def test_telegram_buttons_reach_staff_and_the_plan_leaves_the_chat_on_arrival(
    django_capture_on_commit_callbacks,
):
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        c = cast(channel=channel)
        _staff_channel(c.unit, url)
        person = Person(channel, 60601)
        plan = plan_sent(c)
        drain()
        told = [m for m in api.sent() if m.params.get("chat_id") == 60601]
        assert len(told) == 1
        assert plan.words["my"][0] in told[0].params["text"]
        assert _inline(told[0]) == [
            "p:crossing:on_my_way",
            "p:crossing:delayed",
            "p:crossing:cannot_come",
            "p:crossing:abort",
        ]
        with django_capture_on_commit_callbacks(execute=True):
            person.presses("p:crossing:abort")
        drain()
        staff = [m for m in api.sent() if m.params.get("chat_id") == -100123]
        assert len(staff) == 1
        # The staff message names the case and nothing else.
        assert staff[0].params["text"] == f"{c.case.code} needs attention."
        assert staff[0].token == TOKEN
        alert = CrossingAlert.objects.get()
        assert (alert.kind, alert.notify_state) == (AlertKind.ABORT, "sent")
        # The person's answer was neutral, and the button stopped spinning.
        assert api.sent()[-1].params["text"] == "Received."
        assert "answerCallbackQuery" in api.methods()
        plan.refresh_from_db()
        services.arrival_record(
            actor=c.handler, plan=plan, words_exchanged=True, answer_heard=plan.words["latin"][1]
        )
        drain()
        erased = {
            i for call in api.calls if call.method == "deleteMessages"
            for i in call.params["message_ids"]
        }  # fmt: skip
        assert int(_provider_id(plan)) in erased


def _provider_id(plan) -> str:
    from safepassage.intake.models import OutboundMessage

    return OutboundMessage.objects.get(pk=plan.person_messages[0]).provider_message_id


def test_a_telegram_duress_word_raises_an_alert_and_the_bot_says_the_same(settings):
    settings.INTAKE_DURESS_WORDS = ["mango"]
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        c = cast(channel=channel)
        person = Person(channel, 60601)
        plan_sent(c)
        drain()
        before = len(api.sent())
        person.says("I ate a mango")
        drain()
        assert CrossingAlert.objects.get().kind == AlertKind.DURESS
        assert len(api.sent()) == before  # no answer that could tell the reader


def test_a_telegram_button_without_an_active_plan_gets_a_clear_answer_and_changes_nothing():
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        cast(channel=channel)
        Person(channel, 60601).presses("p:crossing:abort")
        drain()
        assert api.sent()[-1].params["text"] == (
            "Nothing is planned with you now. Write here if you need us."
        )
        assert not CrossingAlert.objects.exists()


def test_messenger_quick_replies_and_the_person_is_asked_to_delete_the_plan():
    with fake_graph_api() as (url, api):
        channel = _facebook(url)
        c = cast(channel=channel)
        plan = plan_sent(c)
        drain()
        sent = [call for call in api.calls if call.method == "messages"]
        titles = [q["title"] for q in sent[0].params["message"]["quick_replies"]]
        assert titles == ["On my way", "Delayed", "Cannot come", "In danger / abort"]
        assert all(len(t) <= 20 for t in titles)
        assert "delete it yourself" in sent[0].params["message"]["text"]
        services.arrival_record(actor=c.handler, plan=plan, words_exchanged=False, note="rain")
        drain()
        last = [call for call in api.calls if call.method == "messages"][-1]
        assert last.params["message"]["text"] == (
            "Please delete our last messages from your phone now."
        )


def test_a_staff_channel_that_cannot_be_reached_is_shown_and_the_alert_stays():
    c = cast()
    channel = _staff_channel(c.unit, "http://127.0.0.1:9")
    plan_sent(c)
    from safepassage.intake import web
    from safepassage.intake.prompts import prompt_payload

    web.web_prompt_answer(root=c.contact, payload=prompt_payload("crossing", "abort"))
    alert = CrossingAlert.objects.get()
    assert alert_notify(alert.pk) == "failed"
    channel.refresh_from_db()
    alert.refresh_from_db()
    assert channel.last_error == "unreachable"
    assert alert.notify_state == "failed"
    assert alert.acknowledged_at is None
    event = AuditEvent.objects.filter(action="crossing.alert_notified").last()
    assert event.details["reason"] == "unreachable"
    assert TOKEN not in str(event.details)


def test_no_staff_channel_keeps_the_alert_in_the_product():
    c = cast()
    plan_sent(c)
    from safepassage.intake import web
    from safepassage.intake.prompts import prompt_payload

    web.web_prompt_answer(root=c.contact, payload=prompt_payload("crossing", "abort"))
    assert alert_notify(CrossingAlert.objects.get().pk) == "none"


def test_only_the_units_administrator_configures_its_staff_channel():
    c = cast()
    other_admin = UserFactory(roles=[Role.ADMINISTRATOR])
    with pytest.raises(services.CrossingRefused):
        services.staff_channel_save(
            actor=other_admin,
            unit_id=c.unit.pk,
            chat_id="1",
            token=TOKEN,
            api_url="http://127.0.0.1:9",
            is_active=True,
        )
    with pytest.raises(services.CrossingRefused):
        services.staff_channel_save(
            actor=c.handler,
            unit_id=c.unit.pk,
            chat_id="1",
            token=TOKEN,
            api_url="http://127.0.0.1:9",
            is_active=True,
        )
    assert not StaffChannel.objects.exists()
