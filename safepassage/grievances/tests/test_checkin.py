"""The check-in through the person's own channel: real clients against the
local Bot API and Graph API servers, and the web form's buttons."""

from __future__ import annotations

import pytest

from safepassage.audit.models import ActorKind, AuditEvent
from safepassage.cases.models import Task
from safepassage.grievances.checkin import checkins_send
from safepassage.grievances.models import CheckIn
from safepassage.grievances.workflow import CheckInStep
from safepassage.intake import web
from safepassage.intake.prompts import prompt_payload
from safepassage.intake.tests.fake_apis import fake_bot_api, fake_graph_api
from safepassage.intake.tests.test_conversation import Person, _facebook, _telegram, drain
from safepassage.reintegration import services as reintegration
from safepassage.reintegration.models import FollowUp
from safepassage.reintegration.workflow import FollowUpState

from .factories import plan_with_followup_due, world

pytestmark = pytest.mark.django_db


def _inline(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


def _to(api, chat) -> list:
    return [m for m in api.sent() if m.params.get("chat_id") == chat]


def test_the_bots_check_in_lands_on_the_follow_up_and_the_caseworker_confirms_it():
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        w = world(channel=channel)
        _plan, followup = plan_with_followup_due(w)
        assert checkins_send() == 1
        assert checkins_send() == 0  # asked once
        drain()
        asked = _to(api, 60601)
        assert asked[-1].params["text"].endswith("Are you safe now?")
        assert _inline(asked[-1]) == ["p:checkin:safe.yes", "p:checkin:safe.no", "p:checkin:help"]
        person = Person(channel, 60601)
        person.presses("p:checkin:safe.no")
        drain()
        assert _inline(_to(api, 60601)[-1])[0] == "p:checkin:housing.stable"
        person.presses("p:checkin:housing.temporary")
        drain()
        person.presses("p:checkin:income.none")
        drain()
        assert _to(api, 60601)[-1].params["text"] == (
            "Thank you. Your caseworker will see your answers."
        )
        followup.refresh_from_db()
        assert followup.state == FollowUpState.TO_CONFIRM
        assert (followup.safe, followup.housing, followup.income) == (False, "temporary", "none")
        assert followup.source == "checkin"
        # The questions left the chat.
        erased = {
            i for call in api.calls if call.method == "deleteMessages"
            for i in call.params["message_ids"]
        }  # fmt: skip
        assert erased
        confirmed = reintegration.followup_confirm(actor=w.caseworker, followup=followup)
        assert confirmed.state == FollowUpState.DONE
        assert CheckIn.objects.get().step == CheckInStep.DONE


def test_i_need_help_raises_one_task_at_once_by_the_system():
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        w = world(channel=channel)
        plan_with_followup_due(w)
        checkins_send()
        drain()
        person = Person(channel, 60601)
        person.presses("p:checkin:help")
        person.presses("p:checkin:help")
        drain()
        task = Task.objects.get(case=w.case)
        assert task.assignee == w.caseworker
        event = AuditEvent.objects.filter(action="cases.task_created").latest("sequence")
        assert event.actor_kind == ActorKind.SYSTEM
        assert event.details["raised"] is True
        assert _to(api, 60601)[-1].params["text"] == "Received. Someone will contact you soon."
        # The check-in goes on: the question is still open.
        assert CheckIn.objects.get().step == CheckInStep.SAFE


def test_a_stale_or_replayed_answer_changes_nothing():
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        w = world(channel=channel)
        _plan, followup = plan_with_followup_due(w)
        checkins_send()
        drain()
        person = Person(channel, 60601)
        person.presses("p:checkin:safe.yes")
        person.presses("p:checkin:safe.no")  # replayed: the question is answered
        person.presses("p:checkin:income.none")  # not asked yet
        person.presses("p:checkin:housing.castle")  # forged
        drain()
        closed = "This question is closed. Write here if you need us."
        assert [m.params["text"] for m in _to(api, 60601)[-3:]] == [closed] * 3
        checkin = CheckIn.objects.get()
        assert checkin.answers == {"safe": "yes"}
        assert checkin.step == CheckInStep.HOUSING
        followup.refresh_from_db()
        assert followup.state == FollowUpState.DUE


def test_a_press_from_another_conversation_is_refused_and_reveals_nothing():
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        w = world(channel=channel)
        _plan, followup = plan_with_followup_due(w)
        checkins_send()
        stranger = Person(channel, 70707)  # never gave this case's code and receipt
        stranger.says("/start")
        stranger.presses("p:checkin:safe.yes")
        drain()
        assert _to(api, 70707)[-1].params["text"] == (
            "This question is closed. Write here if you need us."
        )
        assert CheckIn.objects.get().answers == {}
        followup.refresh_from_db()
        assert followup.state == FollowUpState.DUE
        assert not Task.objects.filter(case=w.case).exists()


def test_messenger_quick_replies_fit_and_the_check_in_works():
    with fake_graph_api() as (url, api):
        channel = _facebook(url)
        w = world(channel=channel, address="80808")
        _plan, followup = plan_with_followup_due(w)
        checkins_send()
        drain()
        sent = [call for call in api.calls if call.method == "messages"]
        titles = [q["title"] for q in sent[-1].params["message"]["quick_replies"]]
        assert titles == ["I am safe", "Not safe", "I need help"]
        assert all(len(t) <= 20 for t in titles)
        person = Person(channel, "80808")
        for payload in ("safe.yes", "housing.stable", "income.working"):
            person.presses(prompt_payload("checkin", payload))
        followup.refresh_from_db()
        assert (followup.safe, followup.housing, followup.income) == (True, "stable", "working")


def test_the_web_form_shows_the_open_choices_and_refuses_the_others():
    w = world()
    _plan, followup = plan_with_followup_due(w)
    assert checkins_send() == 1
    assert not web.web_prompt_answer(
        root=w.contact, payload=prompt_payload("checkin", "income.none")
    )
    for payload in ("safe.yes", "housing.none", "income.training"):
        assert web.web_prompt_answer(root=w.contact, payload=prompt_payload("checkin", payload))
    followup.refresh_from_db()
    assert followup.state == FollowUpState.TO_CONFIRM
    assert not web.web_prompt_answer(root=w.contact, payload=prompt_payload("checkin", "help"))


def test_a_follow_up_recorded_meanwhile_closes_the_check_in_without_a_second_record():
    w = world()
    _plan, followup = plan_with_followup_due(w)
    checkins_send()
    FollowUp.objects.filter(pk=followup.pk).update(state=FollowUpState.CANCELLED)
    for payload in ("safe.yes", "housing.none", "income.training"):
        web.web_prompt_answer(root=w.contact, payload=prompt_payload("checkin", payload))
    assert CheckIn.objects.get().step == CheckInStep.EXPIRED
    assert not FollowUp.objects.filter(state=FollowUpState.TO_CONFIRM).exists()
