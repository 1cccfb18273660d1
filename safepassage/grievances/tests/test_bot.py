"""A complaint through the bots, against the local Bot API and Graph API
servers: it reaches headquarters, and the unit's log of the conversation
keeps nothing of it but placeholders."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.grievances.models import ComplaintDraft, Grievance
from safepassage.intake.models import ContactMessage, OutboundMessage
from safepassage.intake.tests.fake_apis import fake_bot_api, fake_graph_api
from safepassage.intake.tests.test_conversation import Person, _facebook, _telegram, drain

from .factories import world

pytestmark = pytest.mark.django_db

RECEIVED = (
    "Your complaint has reached headquarters. The unit it is about does not see it. "
    "If we can answer you, we will."
)
BODY = "The unit kept my reward (invented)"


def _texts(api, chat) -> list[str]:
    return [m.params["text"] for m in api.sent() if m.params.get("chat_id") == chat]


def _log(contact) -> str:
    bodies = [m.body for m in ContactMessage.objects.filter(contact=contact)]
    bodies += [m.body for m in OutboundMessage.objects.filter(contact=contact)]
    return "\n".join(bodies)


def test_a_telegram_complaint_reaches_headquarters_and_the_unit_log_keeps_placeholders():
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        w = world(channel=channel)
        person = Person(channel, 60601)
        for text in ("/complain", "2", BODY, w.contact.code, w.receipt):
            person.says(text)
            drain()
        assert _texts(api, 60601)[-1] == RECEIVED
        grievance = Grievance.objects.get()
        assert grievance.verified
        assert grievance.kind == "reward_unpaid"
        assert grievance.channel == "telegram"
        assert grievance.concerns_unit_id == w.unit.pk
        assert grievance.body == BODY
        assert not ComplaintDraft.objects.exists()
        log = _log(w.contact)
        for secret in (BODY, w.receipt, "headquarters", "complain", "reward"):
            assert secret not in log
        # The person's messages left the chat.
        assert any(call.method == "deleteMessages" for call in api.calls)


def test_a_wrong_receipt_or_no_code_gets_the_same_answer_and_is_kept_unverified():
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        w = world(channel=channel)
        person = Person(channel, 60601)
        for text in (
            "/complain",
            "3",
            "A threat (invented)",
            w.contact.code,
            "09 4123 45678 / 09 7987 65432",
        ):
            person.says(text)
        for text in ("တိုင်ကြားမည်", "၄", "Other (invented)", "0"):
            person.says(text)
        drain()
        replies = _texts(api, 60601)
        assert replies.count(RECEIVED) == 2
        assert list(Grievance.objects.values_list("verified", flat=True)) == [False, False]


def test_bad_answers_ask_again_and_cancel_drops_the_draft():
    with fake_bot_api() as (url, api):
        channel = _telegram(url)
        world(channel=channel)
        person = Person(channel, 60601)
        person.says("/complain")
        person.says("9")
        person.says("1")
        person.says("x" * 4001)
        person.says("/cancel")
        drain()
        replies = _texts(api, 60601)
        assert "Write 1, 2, 3 or 4, or /cancel." in replies
        assert any(r.startswith("That is too long") for r in replies)
        assert replies[-1] == "Stopped. Nothing was sent."
        assert not ComplaintDraft.objects.exists()
        assert not Grievance.objects.exists()


def test_an_ordinary_message_is_not_taken_for_a_complaint():
    with fake_bot_api() as (url, _api):
        channel = _telegram(url)
        w = world(channel=channel)
        Person(channel, 60601).says("I want to complain about the food")
        assert not ComplaintDraft.objects.exists()
        assert "complain about the food" in _log(w.contact)


def test_a_messenger_complaint_works_the_same():
    with fake_graph_api() as (url, api):
        channel = _facebook(url)
        w = world(channel=channel, address="80808")
        person = Person(channel, "80808")
        for text in ("complaint", "1", BODY, "0"):
            person.says(text)
        drain()
        sent = [c.params["message"]["text"] for c in api.calls if c.method == "messages"]
        assert sent[-1] == RECEIVED
        grievance = Grievance.objects.get()
        assert grievance.channel == "facebook"
        assert BODY not in _log(w.contact)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(min_size=1, max_size=120), min_size=1, max_size=6))
def test_any_text_in_a_complaint_is_answered_never_an_error(texts):
    """Whatever is typed, at whatever step: an answer (never an exception),
    and at most one complaint, unverified."""
    from safepassage.accounts.tests.factories import HeadquartersFactory
    from safepassage.grievances.bot import complaint_advance
    from safepassage.intake import services as intake_services
    from safepassage.intake.models import Channel
    from safepassage.intake.processing import contact_for

    HeadquartersFactory()
    channel = Channel.objects.filter(kind="telegram").first() or intake_services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    contact, _new = contact_for(channel, "909")
    ComplaintDraft.objects.filter(contact=contact).delete()
    assert complaint_advance(contact, "/complain")
    for text in texts:
        replies = complaint_advance(contact, text)
        assert replies is None or all(isinstance(r, str) and r for r in replies)
    assert not Grievance.objects.filter(verified=True).exists()
