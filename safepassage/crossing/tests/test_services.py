"""The crossing's services: the plan, the words, the person's answers, the
alerts and the arrival, with the refusals of the issue's "Bad input"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from safepassage.audit.models import AuditEvent
from safepassage.crossing import services
from safepassage.crossing.models import (
    AlertKind,
    CrossingAlert,
    CrossingPlan,
    PlanRevision,
    PlanState,
)
from safepassage.crossing.services import CrossingRefused
from safepassage.crossing.words import answer_matches, word_list, words_draw
from safepassage.intake import web
from safepassage.intake.models import ContactMessage, OutboundMessage
from safepassage.intake.prompts import ERASED, prompt_payload

from .factories import cast, plan_make, plan_sent, window

pytestmark = pytest.mark.django_db


def stored(plan, column: str) -> bytes:
    with connection.cursor() as cursor:
        sql = f"SELECT {column} FROM crossing_crossingplan WHERE id = %s"  # noqa: S608
        cursor.execute(sql, [plan.pk])
        return bytes(cursor.fetchone()[0])


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def refused(code: str, call, *args, **kwargs) -> CrossingRefused:
    with pytest.raises(CrossingRefused) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


# ----------------------------------------------------------------- the plan


def test_a_plan_is_stored_encrypted_versioned_and_audited_without_its_content():
    c = cast()
    plan = plan_make(c)
    assert b"tea shop" not in stored(plan, "meeting_point")
    assert b"rifle" not in stored(plan, "items_declared")
    assert plan.version == 1
    revision = PlanRevision.objects.get(plan=plan)
    assert revision.snapshot["meeting_point"].startswith("Invented point")
    event = AuditEvent.objects.filter(action="crossing.plan_created").get()
    assert "tea" not in str(event.details)


@pytest.mark.parametrize(
    ("start", "length", "code"),
    [
        (dt.timedelta(hours=-5), dt.timedelta(hours=2), "window_past"),
        (dt.timedelta(hours=1), dt.timedelta(hours=13), "window_long"),
        (dt.timedelta(hours=1), dt.timedelta(hours=-1), "window_order"),
        (dt.timedelta(hours=1), dt.timedelta(0), "window_order"),
    ],
)
def test_a_window_in_the_past_longer_than_the_maximum_or_reversed_is_refused(start, length, code):
    c = cast()
    begin, end = window(start, length)
    refused(code, plan_make, c, window_start=begin, window_end=end)
    assert not CrossingPlan.objects.exists()


def test_a_naive_window_is_refused():
    c = cast()
    begin, end = window()
    refused(
        "window_missing",
        plan_make,
        c,
        window_start=timezone.make_naive(begin),
        window_end=timezone.make_naive(end),
    )


def test_the_maximum_window_follows_the_setting(settings):
    settings.CROSSING_WINDOW_MAX_HOURS = 1
    c = cast()
    begin, end = window(length=dt.timedelta(minutes=61))
    refused("window_long", plan_make, c, window_start=begin, window_end=end)


@pytest.mark.parametrize("field", ["meeting_point", "place_shared"])
def test_hostile_text_is_refused_whole(field):
    c = cast()
    refused("text_nul", plan_make, c, **{field: "a\x00b"})
    refused("text_long", plan_make, c, **{field: "x" * 5000})
    refused("place_missing", plan_make, c, **{field: "   "})
    assert not CrossingPlan.objects.exists()


def test_a_plan_for_a_case_of_another_unit_is_refused_and_audited():
    c = cast()
    begin, end = window()
    refused(
        "scope",
        services.plan_create,
        actor=c.other_handler,
        case=c.case,
        meeting_point="x",
        place_shared="y",
        window_start=begin,
        window_end=end,
    )
    assert not CrossingPlan.objects.exists()
    assert "crossing.refused" in actions()


def test_the_team_comes_from_the_unit():
    c = cast()
    refused("team_unit", plan_make, c, team=[c.other_handler])


def test_a_plan_needs_a_case_in_planning():
    c = cast()
    c.case.status = "contacted"
    c.case.save(update_fields=["status"])
    refused("status", plan_make, c)


def test_a_second_active_plan_is_refused_and_the_database_forbids_it_too():
    c = cast()
    plan = plan_make(c)
    refused("second_active", plan_make, c)
    assert actions().count("crossing.refused") == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        CrossingPlan.objects.create(
            case=c.case,
            data_key_id=c.case.data_key_id,
            window_start=plan.window_start,
            window_end=plan.window_end,
            meeting_point="x",
            place_shared="y",
            words={},
            created_by=c.handler,
        )


def test_a_change_makes_a_new_version_and_a_stale_change_is_refused():
    c = cast()
    plan = plan_make(c)
    begin, end = window(dt.timedelta(hours=3))
    fields = {
        "meeting_point": "Invented point two",
        "place_shared": "the other shop",
        "window_start": begin,
        "window_end": end,
    }
    services.plan_update(actor=c.handler, plan=plan, expected_version=1, **fields)
    plan.refresh_from_db()
    assert plan.version == 2
    assert PlanRevision.objects.filter(plan=plan).count() == 2
    refused("stale", services.plan_update, actor=c.handler, plan=plan, expected_version=1, **fields)
    refused(
        "scope",
        services.plan_update,
        actor=c.other_handler,
        plan=plan,
        expected_version=2,
        **fields,
    )


# ----------------------------------------------------------------- the words


def test_the_word_list_holds_64_distinct_words_in_both_scripts():
    words = word_list()
    assert len(words) == 64
    assert len({w.my for w in words}) == 64
    assert len({w.latin for w in words}) == 64
    assert all(w.my and w.latin.isascii() for w in words)


def test_a_pair_is_two_different_words_and_never_a_duress_word(settings):
    settings.INTAKE_DURESS_WORDS = ["ye", "မိုး"]
    for _ in range(200):
        pair = words_draw()
        assert pair.first != pair.second
        assert {pair.first.latin, pair.second.latin}.isdisjoint({"ye", "moe"})


def test_words_are_drawn_once_per_plan_and_a_second_request_is_refused_and_flagged():
    c = cast()
    plan = plan_make(c)
    pair = services.plan_words_draw(actor=c.handler, plan=plan)
    plan.refresh_from_db()
    assert plan.words["latin"] == [pair.first.latin, pair.second.latin]
    assert pair.second.latin.encode() not in stored(plan, "words")
    assert pair.second.my.encode() not in stored(plan, "words")
    refused("words_twice", services.plan_words_draw, actor=c.handler, plan=plan)
    plan.refresh_from_db()
    assert plan.words["latin"] == [pair.first.latin, pair.second.latin]
    assert "crossing.words_requested_twice" in actions()
    refused("scope", services.plan_words_draw, actor=c.other_handler, plan=plan)


def test_the_second_word_is_checked_in_either_script_and_nothing_else_passes():
    c = cast()
    plan = plan_make(c)
    pair = services.plan_words_draw(actor=c.handler, plan=plan)
    plan.refresh_from_db()
    assert answer_matches(pair.second.latin.upper(), plan.answer_check)
    assert answer_matches(pair.second.my, plan.answer_check)
    assert not answer_matches(pair.first.latin, plan.answer_check)
    assert not answer_matches("", plan.answer_check)
    assert not answer_matches("\x00" * 10, plan.answer_check)


# ----------------------------------------------------------------- the person


def test_sending_needs_the_words_and_tells_the_person_on_the_web_with_choices():
    c = cast()
    plan = plan_make(c)
    refused("no_words", services.plan_send, actor=c.handler, plan=plan)
    services.plan_words_draw(actor=c.handler, plan=plan)
    plan.refresh_from_db()
    plan = services.plan_send(actor=c.handler, plan=plan)
    message = OutboundMessage.objects.get(pk=plan.person_messages[0])
    assert plan.words["my"][1] in message.body
    assert plan.words["latin"][0] in message.body
    assert "Invented point" not in message.body  # the team's point is never sent
    assert "the tea shop we spoke of" in message.body
    assert [b[0] for b in message.buttons] == [
        prompt_payload("crossing", choice)
        for choice in ("on_my_way", "delayed", "cannot_come", "abort")
    ]


def test_a_change_is_sent_again_and_the_old_message_leaves_the_web_conversation():
    c = cast()
    plan = plan_sent(c)
    first = plan.person_messages[0]
    begin, end = window(dt.timedelta(hours=3))
    services.plan_update(
        actor=c.handler,
        plan=plan,
        expected_version=1,
        meeting_point="Invented point two",
        place_shared="the mill",
        window_start=begin,
        window_end=end,
    )
    plan.refresh_from_db()
    assert plan.person_messages != [first]
    bodies = list(ContactMessage.objects.filter(inbound=False).values_list("pk", flat=True))
    texts = [ContactMessage.objects.get(pk=pk).body for pk in bodies]
    assert ERASED in texts
    assert any("the mill" in t for t in texts)
    assert not any("the tea shop we spoke of" in t for t in texts)


def press(c, choice: str) -> bool:
    return web.web_prompt_answer(root=c.contact, payload=prompt_payload("crossing", choice))


def test_on_my_way_is_recorded_and_answered_neutrally():
    c = cast()
    plan = plan_sent(c)
    assert press(c, "on_my_way")
    plan.refresh_from_db()
    assert plan.person_answer == "on_my_way"
    assert not CrossingAlert.objects.exists()
    assert ContactMessage.objects.filter(inbound=False).last().body == "Received. We are waiting."


def test_in_danger_raises_one_alert_for_the_unit():
    c = cast()
    plan = plan_sent(c)
    assert press(c, "abort")
    assert press(c, "abort")
    alert = CrossingAlert.objects.get()
    assert (alert.kind, alert.unit_id, alert.plan_id) == (AlertKind.ABORT, c.unit.pk, plan.pk)
    assert alert.notify_state in ("pending", "none")
    assert ContactMessage.objects.filter(inbound=False).last().body == "Received."


def test_a_choice_from_a_contact_without_an_active_plan_changes_nothing():
    c = cast()
    from safepassage.crossing.handler import HANDLER

    replies = HANDLER.answer(c.contact, "abort")
    assert replies == ["Nothing is planned with you now. Write here if you need us."]
    assert not CrossingAlert.objects.exists()
    assert "crossing.answer_without_plan" in actions()
    # On the web, a choice that is not open is not even recorded.
    assert not press(c, "abort")


def test_an_unknown_or_forged_choice_changes_nothing():
    c = cast()
    plan = plan_sent(c)
    assert not web.web_prompt_answer(root=c.contact, payload="p:crossing:arrived")
    assert not web.web_prompt_answer(root=c.contact, payload="p:crossing:" + "x" * 500)
    assert not web.web_prompt_answer(root=c.contact, payload="p:other:abort")
    plan.refresh_from_db()
    assert plan.person_answer == ""


def test_the_duress_word_raises_an_alert_while_a_plan_is_active(settings):
    settings.INTAKE_DURESS_WORDS = ["mango"]
    c = cast()
    web.web_message_write(root=c.contact, text="I would like a mango")
    assert not CrossingAlert.objects.exists()  # no plan yet: only the contact's flag
    plan_sent(c)
    web.web_message_write(root=c.contact, text="a mango please")
    assert CrossingAlert.objects.get().kind == AlertKind.DURESS


# ----------------------------------------------------------------- alerts


def test_an_alert_is_acknowledged_once_by_someone_who_sees_it_and_audited():
    c = cast()
    plan_sent(c)
    press(c, "abort")
    alert = CrossingAlert.objects.get()
    refused("scope", services.alert_acknowledge, actor=c.other_handler, alert=alert)
    services.alert_acknowledge(actor=c.protection, alert=alert)
    alert.refresh_from_db()
    assert alert.acknowledged_by == c.protection
    refused("acknowledged", services.alert_acknowledge, actor=c.handler, alert=alert)
    assert "crossing.alert_acknowledged" in actions()


def test_an_unacknowledged_alert_escalates_after_the_set_time_once():
    c = cast()
    plan_sent(c)
    press(c, "abort")
    now = timezone.now()
    assert services.alerts_escalate(now=now) == 0
    later = now + dt.timedelta(minutes=16)
    assert services.alerts_escalate(now=later) == 1
    assert services.alerts_escalate(now=later) == 0
    assert CrossingAlert.objects.get().escalated_at == later


def test_an_overdue_plan_raises_one_alert_and_sends_one_neutral_check_in():
    c = cast()
    plan = plan_sent(c)
    after = plan.window_end + dt.timedelta(minutes=31)
    assert services.plans_overdue(now=plan.window_end) == 0
    assert services.plans_overdue(now=after) == 1
    assert services.plans_overdue(now=after + dt.timedelta(hours=1)) == 0
    assert CrossingAlert.objects.get().kind == AlertKind.OVERDUE
    checkins = [
        m.body
        for m in ContactMessage.objects.filter(inbound=False)
        if m.body.startswith("Hello. Is everything all right?")
    ]
    assert len(checkins) == 1
    assert "tea" not in checkins[0]


def test_the_plan_leaves_the_chat_after_its_window():
    c = cast()
    plan = plan_sent(c)
    assert services.plans_erase_due(now=plan.window_end - dt.timedelta(minutes=1)) == 0
    assert services.plans_erase_due(now=plan.window_end) == 1
    plan.refresh_from_db()
    assert plan.erased_at is not None
    assert not any(
        plan.words["my"][1] in m.body for m in ContactMessage.objects.filter(inbound=False)
    )


# ----------------------------------------------------------------- arrival


def test_the_arrival_checks_the_words_closes_the_plan_and_receives_the_case():
    c = cast()
    plan = plan_sent(c)
    refused(
        "words_mismatch",
        services.arrival_record,
        actor=c.handler,
        plan=plan,
        words_exchanged=True,
        answer_heard=plan.words["latin"][0],
    )
    assert "crossing.words_mismatch" in actions()
    refused("note_missing", services.arrival_record, actor=c.handler, plan=plan,
            words_exchanged=False)  # fmt: skip
    refused("scope", services.arrival_record, actor=c.other_handler, plan=plan,
            words_exchanged=False, note="x")  # fmt: skip
    services.arrival_record(
        actor=c.handler, plan=plan, words_exchanged=True, answer_heard=plan.words["my"][1]
    )
    plan.refresh_from_db()
    c.case.refresh_from_db()
    assert (plan.state, plan.words_exchanged, c.case.status) == ("arrived", True, "received")
    assert plan.erased_at is not None
    refused("closed", services.arrival_record, actor=c.handler, plan=plan, words_exchanged=False,
            note="again")  # fmt: skip
    refused("closed", services.plan_words_draw, actor=c.handler, plan=plan)


def test_an_arrival_without_the_words_says_why():
    c = cast()
    plan = plan_sent(c)
    services.arrival_record(
        actor=c.handler, plan=plan, words_exchanged=False, note="the person forgot them"
    )
    plan.refresh_from_db()
    assert plan.words_exchanged is False
    assert plan.arrival_note == "the person forgot them"


def test_did_not_arrive_keeps_the_plan_for_review_then_a_new_plan_or_lost():
    c = cast()
    plan = plan_sent(c)
    refused("note_missing", services.not_arrived_record, actor=c.handler, plan=plan, reason=" ")
    services.not_arrived_record(actor=c.handler, plan=plan, reason="nobody came")
    plan.refresh_from_db()
    c.case.refresh_from_db()
    assert (plan.state, c.case.status) == (PlanState.NOT_ARRIVED, "did_not_arrive")
    # Only headquarters' protection officer decides "lost"; the handler plans again.
    refused("scope", services.review_decide, actor=c.handler, plan=plan, decision="lost")
    refused("scope", services.review_decide, actor=c.protection, plan=plan, decision="replan")
    services.review_decide(actor=c.handler, plan=plan, decision="replan")
    c.case.refresh_from_db()
    assert c.case.status == "planning"
    second = plan_make(c)
    assert second.state == PlanState.ACTIVE
    services.plan_words_draw(actor=c.handler, plan=second)  # new words for the new plan
    services.not_arrived_record(actor=c.handler, plan=second, reason="nobody again")
    services.review_decide(actor=c.protection, plan=second, decision="lost")
    second.refresh_from_db()
    assert second.state == PlanState.LOST


def test_a_burmese_conversation_reads_the_plan_and_the_buttons_in_burmese():
    c = cast(language="my")
    plan = plan_sent(c)
    message = OutboundMessage.objects.get(pk=plan.person_messages[0])
    assert message.body.startswith("တွေ့ဆုံချိန်")
    assert message.buttons[0][1] == "လာနေပြီ"
    assert press(c, "on_my_way")
    assert ContactMessage.objects.filter(inbound=False).last().body == "ရပါပြီ။ စောင့်နေပါတယ်။"
