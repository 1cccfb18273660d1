"""The bot's conversation, end to end: updates in through the stored-update
path, the bot's answers out through the real clients to local servers
speaking the Bot API and the Graph API."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.audit.models import AuditEvent
from safepassage.cases.codes import case_code_normalize
from safepassage.intake import outbox, services
from safepassage.intake.conversation import (
    QUESTIONS,
    REDACTED,
    RESUME_FAILURES_ALLOWED,
    conversation_advance,
)
from safepassage.intake.models import Contact, ContactMessage, OutboundMessage
from safepassage.intake.processing import contact_for, update_process
from safepassage.intake.receipts import receipt_verify
from safepassage.intake.tests.factories import FACEBOOK_APP_SECRET
from safepassage.intake.tests.fake_apis import fake_bot_api, fake_graph_api

pytestmark = pytest.mark.django_db
CHAT = 5151
PSID = "24680"
RECEIPT_SHAPE = re.compile(r"09 \d{4} \d{5} / 09 \d{4} \d{5}")


class Person:
    """Writes to a channel the way the provider would deliver it."""

    def __init__(self, channel, address) -> None:
        self.channel = channel
        self.address = address
        self.seq = 0

    def _deliver(self, payload: dict) -> None:
        self.seq += 1
        update = services.update_receive(
            channel=self.channel,
            provider_id=f"{self.address}-{self.seq}",
            kind="message",
            payload=json.dumps(payload, ensure_ascii=False),
        ).update
        assert update_process(update.pk) == "processed"

    def says(self, text: str) -> None:
        if self.channel.kind == "telegram":
            self._deliver(
                {
                    "update_id": self.seq + 1,
                    "message": {
                        "message_id": 10 + self.seq,
                        "date": 1764400000,
                        "chat": {"id": self.address, "type": "private"},
                        "from": {"id": self.address, "is_bot": False, "language_code": "en"},
                        "text": text,
                    },
                }
            )
        else:
            self._deliver(
                {"sender": {"id": self.address}, "message": {"mid": f"m.{self.seq}", "text": text}}
            )

    def presses(self, data: str) -> None:
        if self.channel.kind == "telegram":
            self._deliver(
                {
                    "update_id": self.seq + 1,
                    "callback_query": {
                        "id": f"cb{self.seq}",
                        "from": {"id": self.address, "is_bot": False},
                        "message": {
                            "message_id": 1,
                            "date": 1764400000,
                            "chat": {"id": self.address, "type": "private"},
                        },
                        "data": data,
                    },
                }
            )
        else:
            self._deliver(
                {
                    "sender": {"id": self.address},
                    "message": {
                        "mid": f"m.{self.seq}",
                        "text": "x",
                        "quick_reply": {"payload": data},
                    },
                }
            )

    @property
    def contact(self) -> Contact:
        return contact_for(self.channel, str(self.address))[0]


def drain() -> None:
    """Send everything due, stepping the clock past the per-chat spacing."""
    now = timezone.now()
    for step in range(1, 40):
        sent = outbox.outbox_send_due(now=now + dt.timedelta(seconds=2 * step))
        if not sent and not OutboundMessage.objects.filter(state="queued").exists():
            return


def sent_texts(api) -> list[str]:
    return [c.params["text"] for c in api.calls if c.method == "sendMessage"]


def buttons_of(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


def _telegram(url):
    return services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:INVENTED", api_url=url
    )


def _facebook(url):
    return services.channel_create(
        actor=None,
        kind="facebook",
        name="Page",
        token="EAAG-invented",
        app_secret=FACEBOOK_APP_SECRET,
        api_url=url,
    )


def _answer_everything(person: Person) -> None:
    person.says("/start")
    person.presses("go")
    person.presses("a:conscript")
    person.says("လှိုင်သာယာ")
    person.presses("skip")
    person.says("one rifle, two magazines")
    person.says("Friday night")
    person.says("here, after 9 pm")


def test_a_telegram_conversation_from_notice_to_code_and_receipt():
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        person.says("/start")
        drain()
        notice = [c for c in api.calls if c.method == "sendMessage"][-1]
        assert buttons_of(notice) == ["go", "resume", "lang:my"]  # client language: English
        person.presses("go")
        drain()
        question = [c for c in api.calls if c.method == "sendMessage"][-1]
        assert buttons_of(question) == ["a:conscript", "a:soldier", "a:police", "a:other", "skip"]
        for step in ("a:conscript",):
            person.presses(step)
        person.says("လှိုင်သာယာ")
        person.presses("skip")
        person.says("one rifle, two magazines")
        person.says("Friday night")
        person.says("here, after 9 pm")
        drain()
    contact = person.contact
    assert contact.step == "open"
    assert contact.answers["category"] == "conscript"
    assert contact.answers["township"] == "လှိုင်သာယာ"
    assert contact.answers["township_pcode"]
    assert "stage" not in contact.answers
    assert contact.answers["weapons"] == "one rifle, two magazines"
    texts = sent_texts(api)
    assert case_code_normalize(contact.code) == contact.code
    assert any(contact.code in t for t in texts)
    (receipt_text,) = [t for t in texts if RECEIPT_SHAPE.search(t)]
    receipt = RECEIPT_SHAPE.search(receipt_text).group(0)
    assert receipt_verify(receipt, contact.receipt_hash)
    # The receipt is nowhere in the database, not even encrypted.
    digits = re.sub(r"\D", "", receipt)
    for row in (*ContactMessage.objects.all(), *OutboundMessage.objects.all()):
        assert digits not in re.sub(r"\D", "", row.body or "")
    assert AuditEvent.objects.filter(action="intake.code_issued").count() == 1
    last = [c for c in api.calls if c.method == "sendMessage"][-1]
    assert buttons_of(last) == ["erase"]
    # Every button press was answered, so the client's spinner stops.
    acks = [c.params["callback_query_id"] for c in api.calls if c.method == "answerCallbackQuery"]
    assert len(acks) == 3  # go, conscript, skip
    assert len(set(acks)) == 3


def test_free_text_is_always_an_answer_and_stale_buttons_ask_again():
    contact_channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    person = Person(contact_channel, CHAT)
    person.says("hello")  # the notice
    person.says("I want to leave")  # free text at the notice: taken as consent
    assert person.contact.step == "category"
    person.presses("a:general")  # not a choice of this question
    assert person.contact.step == "category"
    person.says("I was taken at a checkpoint")
    contact = person.contact
    assert contact.answers["category"] == "I was taken at a checkpoint"
    assert contact.step == "township"


def test_the_language_switch_and_the_burmese_default():
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    person = Person(channel, CHAT)
    person.says("hi")
    person.presses("lang:my")
    contact = person.contact
    assert contact.language == "my"
    latest = OutboundMessage.objects.filter(contact=contact).order_by("-pk").first()
    assert any("\u1000" <= ch <= "\u109f" for ch in latest.body)
    assert ["lang:en", "English"] in latest.buttons


def test_resuming_on_messenger_with_code_and_receipt(settings):
    with fake_bot_api() as (bot_url, bot_api):
        person = Person(_telegram(bot_url), CHAT)
        _answer_everything(person)
        drain()
    root = person.contact
    receipt = next(
        RECEIPT_SHAPE.search(t).group(0) for t in sent_texts(bot_api) if RECEIPT_SHAPE.search(t)
    )
    with fake_graph_api() as (graph_url, _graph):
        page = Person(_facebook(graph_url), PSID)
        page.says("/resume")
        page.says(root.code.lower().replace("-", " "))
        page.says(receipt.replace(" ", ""))
        drain()
    other = page.contact
    assert other.continues == root
    assert other.step == "open"
    typed = ContactMessage.objects.filter(contact=other, inbound=True).order_by("pk")
    assert typed.last().body == REDACTED
    assert AuditEvent.objects.filter(action="intake.resumed").count() == 1
    # A staff reply to the conversation goes where the person wrote last.
    assert outbox.reply_route(root) == other


def test_a_wrong_receipt_or_code_is_one_answer_and_failures_block_the_code():
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    owner = Contact.objects.create(channel=channel, address="1", language="en", step="open")
    from safepassage.intake.conversation import code_and_receipt_issue

    receipt = code_and_receipt_issue(owner)
    owner.save()
    prober = Person(channel, 777)
    answers = []
    for _ in range(RESUME_FAILURES_ALLOWED):
        prober.says("/resume")
        prober.says(owner.code)
        prober.says("09 4111 11111 / 09 4222 22222")
        answers.append(OutboundMessage.objects.filter(contact=prober.contact).last().body)
    prober.says("/resume")
    prober.says("SP-0000-0000" if owner.code != "SP-0000-0000" else "SP-0000-0010")
    prober.says("09 4111 11111 / 09 4222 22222")
    answers.append(OutboundMessage.objects.filter(contact=prober.contact).last().body)
    assert len(set(answers)) == 1  # an unknown code reads like a wrong receipt
    owner.refresh_from_db()
    assert owner.resume_blocked_until is not None
    prober.says("/resume")
    prober.says(owner.code)
    prober.says(receipt)  # right, but the code is blocked for now
    assert prober.contact.continues is None


def test_a_duress_word_flags_silently(settings):
    settings.INTAKE_DURESS_WORDS = ["mango"]
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    calm, pressed = Person(channel, 1), Person(channel, 2)
    calm.says("hello")
    calm.says("I like apples")
    pressed.says("hello")
    pressed.says("I like MANGO")
    assert pressed.contact.duress
    assert not calm.contact.duress
    replies = [
        [m.body for m in OutboundMessage.objects.filter(contact=p.contact).order_by("pk")]
        for p in (calm, pressed)
    ]
    assert replies[0] == replies[1]
    assert AuditEvent.objects.filter(action="intake.duress_signalled").count() == 1
    pressed.says("mangoes are sweet")  # not the word
    calm.says("mangoes")
    assert not calm.contact.duress


def test_the_erase_button_deletes_the_chat_on_telegram():
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        person.says("/start")
        person.says("I want to talk")
        drain()
        person.presses("erase")
        drain()
    (call,) = [c for c in api.calls if c.method == "deleteMessages"]
    assert call.params["chat_id"] == CHAT
    contact = person.contact
    on_record = {
        int(m.provider_message_id)
        for m in ContactMessage.objects.filter(contact=contact).exclude(provider_message_id="")
    }
    assert set(call.params["message_ids"]) == on_record
    assert not ContactMessage.objects.filter(
        contact=contact, erased_from_chat_at__isnull=True
    ).exclude(provider_message_id="")


def test_messenger_cannot_erase_and_says_so():
    with fake_graph_api() as (url, graph):
        person = Person(_facebook(url), PSID)
        person.says("hi")
        person.presses("lang:en")
        person.presses("erase")
        drain()
    bodies = [c.params["message"]["text"] for c in graph.calls if c.method == "messages"]
    assert "delete it yourself" in bodies[-1]
    assert not OutboundMessage.objects.filter(action="erase").exists()
    quick = next(c for c in graph.calls if c.method == "messages").params["message"]
    # Messenger tells no language: Burmese first, English offered.
    assert [q["payload"] for q in quick["quick_replies"]] == ["go", "resume", "lang:en"]


def test_quiet_telegram_chats_are_erased_after_the_configured_hours(settings):
    settings.INTAKE_CHAT_ERASE_AFTER_HOURS = 6
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        person.says("hello")
        drain()
        assert outbox.chats_erase_due() == 0  # not quiet yet
        assert outbox.chats_erase_due(now=timezone.now() + dt.timedelta(hours=7)) == 1
        assert outbox.chats_erase_due(now=timezone.now() + dt.timedelta(hours=7)) == 0
        drain()
    assert [c.method for c in api.calls].count("deleteMessages") == 1
    settings.INTAKE_CHAT_ERASE_AFTER_HOURS = 0
    assert outbox.chats_erase_due(now=timezone.now() + dt.timedelta(hours=30)) == 0


@pytest.mark.django_db
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["text", "button", "edited", "photo", "other"]),
            st.one_of(
                st.text(max_size=80),
                st.sampled_from(
                    ["go", "skip", "erase", "resume", "lang:en", "lang:xx", "a:police", "/resume"]
                    + [f"a:{c.value}" for q in QUESTIONS for c in q.choices]
                ),
            ),
        ),
        max_size=12,
    )
)
def test_any_sequence_of_messages_never_raises(steps):
    channel = services.channel_create(
        actor=None,
        kind="telegram",
        name=f"Bot {uuid.uuid4()}",  # examples share the test's transaction
        token="1:x",
        api_url="http://127.0.0.1:9",
    )
    contact = Contact.objects.create(channel=channel, address="9", language="")
    for kind, body in steps:
        turn = conversation_advance(contact, kind, body)
        assert all(reply.body for reply in turn.replies)
        contact.save()
