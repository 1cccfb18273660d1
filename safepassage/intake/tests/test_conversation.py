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

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.cases.codes import case_code_generate
from safepassage.intake import outbox, services
from safepassage.intake.conversation import (
    QUESTIONS,
    REDACTED,
    button_label,
    code_and_receipt_issue,
    conversation_advance,
)
from safepassage.intake.models import Contact, ContactMessage, OutboundMessage, ResumeGuard
from safepassage.intake.processing import contact_for, update_process
from safepassage.intake.receipts import receipt_filter, receipt_generate, receipt_verify
from safepassage.intake.resuming import (
    CODE_FAILURES_ALLOWED,
    GUARD_DELAY,
    SOURCE_FAILURES_ALLOWED,
)
from safepassage.intake.tests.factories import FACEBOOK_APP_SECRET
from safepassage.intake.tests.fake_apis import fake_bot_api, fake_graph_api
from safepassage.language.cut import grapheme_boundaries

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])


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

    def shares_location(self, latitude: float, longitude: float) -> None:
        self._deliver(
            {
                "update_id": self.seq + 1,
                "message": {
                    "message_id": 10 + self.seq,
                    "date": 1764400000,
                    "chat": {"id": self.address, "type": "private"},
                    "location": {"latitude": latitude, "longitude": longitude},
                },
            }
        )

    def sends(self, what: dict) -> None:
        """A message of another kind (photo, sticker...), Telegram's shape."""
        self._deliver(
            {
                "update_id": self.seq + 1,
                "message": {
                    "message_id": 10 + self.seq,
                    "date": 1764400000,
                    "chat": {"id": self.address, "type": "private"},
                    **what,
                },
            }
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
    """Each answer after the question reached the phone, as a person types."""
    person.says("/start")
    drain()
    person.presses("a:conscript")
    drain()
    person.says("လှိုင်သာယာ")
    drain()
    person.presses("skip")


def _receipt_of(api) -> str:
    return next(
        RECEIPT_SHAPE.search(t).group(0) for t in sent_texts(api) if RECEIPT_SHAPE.search(t)
    )


def test_a_telegram_conversation_from_first_message_to_code_and_receipt():
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        person.says("/start")
        drain()
        first = api.sent()[-1]
        assert "/stop" in first.params["text"]  # stopping is offered at once
        assert buttons_of(first) == [
            "a:conscript",
            "a:soldier",
            "a:police",
            "a:other",
            "skip",
            "resume",
            "stop",
            "lang:my",  # the client's language is English: Burmese offered
        ]
        person.presses("a:conscript")
        drain()
        assert buttons_of(api.sent()[-1])[-2:] == ["skip", "stop"]
        person.says("လှိုင်သာယာ")
        person.presses("skip")
        drain()
    contact = person.contact
    assert contact.step == "open"
    assert contact.answers["category"] == "conscript"
    assert contact.answers["township"] == "လှိုင်သာယာ"
    assert contact.answers["township_pcode"] == "MMR013008"
    assert "stage" not in contact.answers
    texts = sent_texts(api)
    assert len(texts) == 5  # notice with the first question, two questions, code, closing
    assert contact.code in texts[3]
    receipt = _receipt_of(api)
    assert RECEIPT_SHAPE.search(texts[3])  # the code and the receipt in one message
    assert receipt_verify(receipt, contact.receipt_hash)
    assert buttons_of(api.sent()[3]) == ["saved"]
    assert buttons_of(api.sent()[4]) == ["stop"]
    # The receipt is nowhere in the database, not even encrypted.
    digits = re.sub(r"\D", "", receipt)
    for row in (*ContactMessage.objects.all(), *OutboundMessage.objects.all()):
        assert digits not in re.sub(r"\D", "", row.body or "")
    assert AuditEvent.objects.filter(action="intake.code_issued").count() == 1
    assert AuditEvent.objects.filter(action="intake.consented").count() == 1
    # Every button press was answered, so the client's spinner stops.
    acks = [c.params["callback_query_id"] for c in api.calls if c.method == "answerCallbackQuery"]
    assert len(acks) == len(set(acks)) == 2  # conscript, skip


def test_each_question_and_its_answer_leave_the_chat_once_answered():
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        _answer_everything(person)
        drain()
    deleted = {
        i for c in api.calls if c.method == "deleteMessages" for i in c.params["message_ids"]
    }
    questions = {int(c_id) for c_id in _sent_ids(api)[:3]}
    assert questions <= deleted  # the three questions
    answers = ContactMessage.objects.filter(contact=person.contact, inbound=True)
    # The answers are kept for staff, and gone from the phone.
    assert answers.count() == 4
    # (a button press is no message in the chat: nothing to delete)
    assert all(m.erased_from_chat_at for m in answers if m.transient and m.provider_message_id)
    assert answers.filter(transient=True).count() == 3  # /start stays until staff read it
    # What stays on the phone: the code and receipt (until saved) and the closing line.
    kept = [i for i in _sent_ids(api) if int(i) not in deleted]
    assert kept == _sent_ids(api)[3:]


def _sent_ids(api) -> list[str]:
    return [
        str(m.provider_message_id)
        for m in OutboundMessage.objects.filter(action="send", state="sent").order_by("pk")
    ]


def test_the_receipt_leaves_the_chat_when_saved_or_after_ten_minutes():
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        _answer_everything(person)
        drain()
        receipt_id = int(_sent_ids(api)[3])
        person.presses("saved")
        drain()
        erased = [c.params["message_ids"] for c in api.calls if c.method == "deleteMessages"]
        assert erased[-1] == [receipt_id]
        other = Person(person.channel, CHAT + 1)
        _answer_everything(other)
        drain()
        other_receipt = int(
            OutboundMessage.objects.get(contact=other.contact, secret=True).provider_message_id
        )
        before = len([c for c in api.calls if c.method == "deleteMessages"])
        outbox.outbox_send_due(now=timezone.now() + dt.timedelta(minutes=5))
        assert len([c for c in api.calls if c.method == "deleteMessages"]) == before
        outbox.outbox_send_due(now=timezone.now() + dt.timedelta(minutes=11))
        late = [c for c in api.calls if c.method == "deleteMessages"][before:]
    assert [c.params["message_ids"] for c in late if c.params["chat_id"] == CHAT + 1] == [
        [other_receipt]
    ]


def test_five_bot_messages_at_most_before_a_human_on_messenger_too():
    with fake_graph_api() as (url, graph):
        person = Person(_facebook(url), PSID)
        person.says("hello")
        person.presses("a:soldier")
        person.says("Hlaingtharya")
        person.presses("a:deployed")
        drain()
    sent = [c.params["message"] for c in graph.calls if c.method == "messages"]
    assert len(sent) == 5
    assert "STOP" in sent[0]["text"]
    assert "stop" in [q["payload"] for q in sent[0]["quick_replies"]]
    assert person.contact.answers["stage"] == "deployed"


def test_messages_that_are_not_answers_never_use_up_a_question():
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        person.says("/start")
        person.sends({"photo": [{"file_id": "F1"}], "caption": "me"})
        assert person.contact.step == "category"
        drain()
        assert "Please answer" in sent_texts(api)[-1]
        person.presses("a:general")  # a stale button
        assert person.contact.step == "category"
        person.says("I was taken at a checkpoint")
        assert person.contact.step == "township"
        person.sends({"sticker": {"file_id": "S1"}})
        assert person.contact.step == "township"
        person.shares_location(16.86, 96.12)  # near Hlaingtharya
        contact = person.contact
        assert contact.step == "stage"
        assert contact.answers["township_pcode"] == "MMR013008"
        person.sends({"voice": {"file_id": "V1"}})
        assert person.contact.step == "stage"
        person.shares_location(16.86, 96.12)  # a location is no answer here
        assert person.contact.step == "stage"
    kinds = list(
        ContactMessage.objects.filter(contact=contact, inbound=True).values_list("kind", flat=True)
    )
    assert kinds.count("photo") == 1
    assert kinds.count("sticker") == 1
    assert contact.answers["category"] == "I was taken at a checkpoint"


def test_a_location_far_outside_the_country_matches_no_township():
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    person = Person(channel, CHAT)
    person.says("/start")
    person.presses("a:soldier")
    person.shares_location(48.85, 2.35)
    assert person.contact.step == "township"


def test_stop_empties_the_chat_and_nothing_more_is_sent_until_the_person_goes_on(operator):
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        person.says("/start")
        drain()
        person.says("/stop")
        drain()
        (erase,) = [c for c in api.calls if c.method == "deleteMessages"]
        assert set(erase.params["message_ids"]) >= {int(_sent_ids(api)[0])}
        assert person.contact.step == "stopped"
        outbox.reply_queue(actor=operator, contact=person.contact, body="are you safe?")
        sent_before = len(api.sent())
        drain()
        assert len(api.sent()) == sent_before  # the staff reply waits
        person.says("hello again")  # not an answer to anything
        drain()
        assert len(api.sent()) == sent_before + 1
        assert buttons_of(api.sent()[-1]) == ["go", "stop"]
        assert person.contact.code is None
        person.presses("go")
        drain()
    texts = sent_texts(api)
    assert "are you safe?" in texts
    assert "Who are you?" in texts[-1] or "Who are you?" in texts[-2]
    contact = person.contact
    assert contact.step == "category"
    assert contact.stopped_at is None
    assert "hello again" not in (contact.answers or {}).values()
    assert AuditEvent.objects.filter(action="intake.stopped").count() == 1
    assert AuditEvent.objects.filter(action="intake.went_on").count() == 1


def test_stopping_withdraws_questions_not_yet_sent():
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    person = Person(channel, CHAT)
    person.says("/start")
    person.says("STOP")
    withdrawn = OutboundMessage.objects.get(contact=person.contact, action="send")
    assert withdrawn.state == "failed"
    assert withdrawn.failure == "withdrawn"


def test_messenger_stop_says_what_the_person_must_do():
    with fake_graph_api() as (url, graph):
        person = Person(_facebook(url), PSID)
        person.says("hi")
        drain()
        person.presses("lang:en")
        person.presses("stop")
        person.says("are you there")
        drain()
    bodies = [c.params["message"]["text"] for c in graph.calls if c.method == "messages"]
    assert "delete it yourself" in bodies[-2]
    assert "go on" in bodies[-1]
    assert not OutboundMessage.objects.filter(action="erase").exists()
    quick = next(c for c in graph.calls if c.method == "messages").params["message"]
    # Messenger tells no language: Burmese first, English offered.
    assert [q["payload"] for q in quick["quick_replies"]][-2:] == ["stop", "lang:en"]


def test_messenger_titles_are_cut_between_letters_never_inside_one():
    with fake_graph_api() as (url, graph):
        person = Person(_facebook(url), PSID)
        person.says("မင်္ဂလာပါ")
        drain()
    quick = next(c for c in graph.calls if c.method == "messages").params["message"]
    labels = dict(OutboundMessage.objects.get(contact=person.contact).buttons)
    for reply in quick["quick_replies"]:
        title, label = reply["title"], labels[reply["payload"]]
        assert len(title) <= 20
        if len(label) <= 20:
            assert title == label  # short labels are sent whole
        else:
            kept = title.removesuffix("…")
            assert label.startswith(kept)
            assert len(kept) in grapheme_boundaries(label)


def test_a_deep_link_payload_is_kept_as_the_source_when_it_is_well_formed():
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    Person(channel, 1).says("/start post-2026-11_leaflet")
    assert Person(channel, 1).contact.source == "post-2026-11_leaflet"
    Person(channel, 2).says("/start <script>")
    assert Person(channel, 2).contact.source == ""


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
    assert all(any("\u1000" <= ch <= "\u109f" for ch in label) for _p, label in latest.buttons[:4])


def test_button_presses_are_shown_by_their_labels_in_the_readers_language():
    assert button_label("a:conscript", "en") == "Conscript"
    assert any("\u1000" <= ch <= "\u109f" for ch in button_label("a:conscript", "my"))
    assert button_label("not-a-button", "en") == "(an old button)"


def test_resuming_on_messenger_with_code_and_receipt():
    with fake_bot_api() as (bot_url, bot_api):
        person = Person(_telegram(bot_url), CHAT)
        _answer_everything(person)
        drain()
    root = person.contact
    receipt = _receipt_of(bot_api)
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


def _owner(channel) -> tuple[Contact, str]:
    owner = Contact.objects.create(channel=channel, address="1", language="en", step="open")
    receipt = code_and_receipt_issue(owner)
    owner.save()
    return owner, receipt


def _try(person: Person, code: str, receipt: str) -> str:
    person.says("/resume")
    person.says(code)
    person.says(receipt)
    return OutboundMessage.objects.filter(contact=person.contact).last().body


WRONG = "09 4111 11111 / 09 4222 22222"


def test_a_wrong_receipt_and_an_unknown_code_get_one_answer():
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    owner, _receipt = _owner(channel)
    unknown = case_code_generate()  # well formed, never issued
    answers = {
        _try(Person(channel, 700), owner.code, WRONG),
        _try(Person(channel, 701), unknown, WRONG),
    }
    assert len(answers) == 1


def _wrong_receipts(owner: Contact, count: int) -> list[str]:
    """Well-formed wrong receipts that fail the owner's filter (as 65,535
    wrong guesses in 65,536 do): drawn until `count` are found."""
    found: list[str] = []
    while len(found) < count:
        guess = receipt_generate()
        if receipt_filter(guess) != owner.receipt_filter:
            found.append(guess)
    return found


def test_a_flood_of_guessers_cannot_make_the_owner_wait(monkeypatch):
    """The attack: many sources guess receipts for a known code, each
    fewer times than its own limit, to lock the owner out of resuming.
    The owner gets in at once; the flood cost no Argon2id."""
    from safepassage.intake import resuming

    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    owner, receipt = _owner(channel)
    checks = []
    real_verify = resuming.receipt_verify
    monkeypatch.setattr(resuming, "receipt_verify", lambda *a: checks.append(1) or real_verify(*a))
    guesses = _wrong_receipts(owner, 4 * CODE_FAILURES_ALLOWED)
    for prober, guess in enumerate(guesses):  # from many sources, one guess each
        assert "do not match" in _try(Person(channel, 800 + prober), owner.code, guess)
    assert checks == []  # refused by the filter: no Argon2id
    assert AuditEvent.objects.filter(action="intake.resume_refused").count() == len(guesses)
    phone = Person(channel, 9000)  # the owner, on a new phone
    _try(phone, owner.code, receipt)
    assert phone.contact.continues == owner
    assert checks == [1]


def test_a_contact_without_a_filter_keeps_the_guard_and_gets_one_at_its_next_resume():
    """Receipts issued before the filter: every check costs Argon2id, so
    the code is guarded as before (the owner waits a minute once); the
    correct resume writes the filter."""
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    owner, receipt = _owner(channel)
    Contact.objects.filter(pk=owner.pk).update(receipt_filter="")
    for prober in range(CODE_FAILURES_ALLOWED):  # from several sources, one guess each
        _try(Person(channel, 800 + prober), owner.code, WRONG)
    phone = Person(channel, 900)  # the owner, on a new phone
    answer = _try(phone, owner.code, receipt)
    assert "Wait 1 minute" in answer  # told to wait, the receipt not checked
    assert phone.contact.continues is None
    assert phone.contact.step == "resume_receipt"  # the code is kept: numbers only
    ResumeGuard.objects.exclude(wait_from=None).update(
        wait_from=timezone.now() - GUARD_DELAY - dt.timedelta(seconds=1)
    )
    phone.says(receipt)
    assert phone.contact.continues == owner
    owner.refresh_from_db()
    assert owner.receipt_filter == receipt_filter(receipt)


def test_an_unknown_code_is_answered_exactly_like_a_real_one_under_a_flood():
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    owner, _receipt = _owner(channel)
    unknown = case_code_generate()  # well formed, never issued
    wrong = _wrong_receipts(owner, 1)[0]
    answers = []
    for code in (owner.code, unknown):
        for prober in range(CODE_FAILURES_ALLOWED):
            _try(Person(channel, hash((code, prober)) % 10**6), code, wrong)
        answers.append(_try(Person(channel, hash(code) % 10**6 + 7), code, wrong))
    assert answers[0] == answers[1]
    assert "do not match" in answers[0]


def test_one_source_that_keeps_guessing_is_made_to_wait_for_every_code():
    channel = services.channel_create(
        actor=None, kind="telegram", name="Bot", token="1:x", api_url="http://127.0.0.1:9"
    )
    owner, receipt = _owner(channel)
    prober = Person(channel, 777)
    for _number in range(SOURCE_FAILURES_ALLOWED):
        _try(prober, case_code_generate(), WRONG)
    assert "Wait" in _try(prober, owner.code, receipt)  # even the right one, from here
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


def test_the_old_erase_button_still_stops_and_deletes_the_chat_on_telegram():
    with fake_bot_api() as (url, api):
        person = Person(_telegram(url), CHAT)
        person.says("/start")
        person.says("I want to talk")
        drain()
        person.presses("erase")
        drain()
    call = [c for c in api.calls if c.method == "deleteMessages"][-1]
    assert call.params["chat_id"] == CHAT
    contact = person.contact
    assert not ContactMessage.objects.filter(
        contact=contact, erased_from_chat_at__isnull=True
    ).exclude(provider_message_id="")
    assert contact.step == "stopped"


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
            st.sampled_from(["text", "button", "edited", "photo", "location", "other"]),
            st.one_of(
                st.text(max_size=80),
                st.sampled_from(
                    ["go", "skip", "stop", "erase", "saved", "resume", "lang:en", "lang:xx"]
                    + ["/resume", "/stop", "/start x", '{"latitude": 16.8, "longitude": 96.1}']
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
