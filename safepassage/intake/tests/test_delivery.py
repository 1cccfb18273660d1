"""What reaches the person's phone, and when: the real background worker
(`manage.py db_worker`, as `make demo` and the systemd unit run it) against
a local server speaking the Bot API, with updates posted to the webhook as
Telegram posts them. Nothing is run by hand between the messages.

The times asserted are the promise made to the person (the code and the
receipt within 5 seconds of the last answer), not a benchmark."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from conftest import TEST_PASSPHRASE
from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory
from safepassage.geo.models import Township
from safepassage.intake import outbox, services
from safepassage.intake.conversation import code_and_receipt_issue
from safepassage.intake.models import Channel, Contact, OutboundMessage, ResumeGuard
from safepassage.intake.processing import contact_for
from safepassage.intake.resuming import CODE_FAILURES_ALLOWED, GUARD_DELAY
from safepassage.intake.tests.factories import FACEBOOK_APP_SECRET, page_delivery, signed
from safepassage.intake.tests.fake_apis import Recorder, fake_bot_api, fake_graph_api
from safepassage.language.cut import grapheme_boundaries

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
CHAT = 60601
SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"


@pytest.fixture
def worker(settings, tmp_path) -> Iterator[None]:
    """A `db_worker` process on this test's database; the test process
    queues its tasks in the database too."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(TEST_PASSPHRASE)
    database = {
        key: connection.settings_dict[key]
        for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    }
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test_worker",
        "SAFEPASSAGE_WORKER_DATABASE": json.dumps(database),
        "SAFEPASSAGE_WORKER_VAR_DIR": str(django_settings.VAR_DIR),
        "SAFEPASSAGE_PASSPHRASE_FILE": str(passphrase),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class Phone:
    """A person's Telegram app: posts to the webhook as Telegram does."""

    def __init__(
        self, client, channel: Channel, secret: str, api: Recorder, chat: int = CHAT
    ) -> None:
        self.client, self.channel, self.secret, self.api = client, channel, secret, api
        self.chat = chat
        self.update_id = 500 + chat % 1000 * 100
        self.url = reverse("intake:telegram_webhook", args=[channel.public_id])

    def _post(self, update: dict) -> None:
        self.update_id += 1
        response = self.client.post(
            self.url,
            data=json.dumps({"update_id": self.update_id, **update}),
            content_type="application/json",
            **{SECRET_HEADER: self.secret},
        )
        assert response.status_code == 200

    def says(self, text: str) -> None:
        self._post(
            {
                "message": {
                    "message_id": self.update_id,
                    "date": int(time.time()),
                    "chat": {"id": self.chat, "type": "private"},
                    "from": {"id": self.chat, "is_bot": False, "language_code": "my"},
                    "text": text,
                }
            }
        )

    def presses(self, data: str) -> None:
        self._post(
            {
                "callback_query": {
                    "id": f"cb{self.update_id}",
                    "from": {"id": self.chat, "is_bot": False},
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": {"id": self.chat, "type": "private"},
                    },
                    "data": data,
                }
            }
        )

    def sends(self, what: dict) -> None:
        """A photo, a sticker, a location: Telegram's shape."""
        self._post(
            {
                "message": {
                    "message_id": self.update_id,
                    "date": int(time.time()),
                    "chat": {"id": self.chat, "type": "private"},
                    **what,
                }
            }
        )

    def messages(self) -> list:
        return [c for c in self.api.sent() if c.params["chat_id"] == self.chat]

    def wait_for_messages(self, count: int) -> list:
        deadline = time.monotonic() + 30
        while len(self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        calls = self.messages()[:count]
        assert len(calls) == count, f"{len(calls)} of {count} messages arrived"
        return calls


@pytest.fixture
def phone(client, worker) -> Iterator[Phone]:
    with fake_bot_api() as (url, api):
        channel = services.channel_create(
            actor=None, kind="telegram", name="Bot", token="1:INVENTED", api_url=url
        )
        yield Phone(client, channel, channel.webhook_secret, api)


def _buttons(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


def test_the_code_and_receipt_reach_the_phone_within_five_seconds_of_the_last_answer(phone):
    phone.says("/start")
    phone.wait_for_messages(1)
    phone.presses("a:conscript")
    phone.wait_for_messages(2)
    phone.says("လှိုင်သာယာ")
    phone.wait_for_messages(3)
    answered = time.monotonic()
    phone.presses("a:in_training")
    calls = phone.wait_for_messages(5)
    code, closing = calls[3], calls[4]
    assert code.at - answered <= 5.0
    assert closing.at - answered <= 5.0
    assert "SP-" in code.params["text"]
    assert _buttons(code) == ["saved"]
    assert _buttons(closing) == ["stop"]
    # In order, each at least a second after the one before (Telegram's limit).
    assert all(b.at - a.at >= 0.9 for a, b in itertools.pairwise(calls))
    # The questions left the chat once answered (the last one with the code).
    phone.api.wait_for(3, method="deleteMessages", timeout=10)
    erased = {
        i for c in phone.api.calls if c.method == "deleteMessages" for i in c.params["message_ids"]
    }
    questions = {
        int(i)
        for i in OutboundMessage.objects.filter(transient=True, state="sent").values_list(
            "provider_message_id", flat=True
        )
    }
    assert len(questions) == 3
    assert questions <= erased
    # Saved: the code and the receipt leave the chat at once.
    phone.presses("saved")
    deadline = time.monotonic() + 10
    receipt_id = None
    while time.monotonic() < deadline and receipt_id is None:
        for call in phone.api.calls:
            if call.method == "deleteMessages" and call.at > code.at:
                ids = call.params["message_ids"]
                if len(ids) == 1 and ids[0] not in erased:
                    receipt_id = ids[0]
        time.sleep(0.1)
    assert receipt_id is not None


def test_after_stop_nothing_is_sent_and_a_staff_reply_waits_until_the_person_goes_on(phone):
    phone.says("/start")
    phone.wait_for_messages(1)
    phone.says("/stop")
    erase = phone.api.wait_for(1, method="deleteMessages", timeout=30)
    assert erase, "the chat was not emptied"
    operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    contact = contact_for(phone.channel, str(CHAT))[0]
    outbox.reply_queue(actor=operator, contact=contact, body="Are you safe?")
    time.sleep(3)
    assert len(phone.api.sent()) == 1  # only the first message, before the stop
    phone.says("hello")
    calls = phone.wait_for_messages(2)
    assert _buttons(calls[1]) == ["go", "stop"]
    time.sleep(2)
    assert len(phone.api.sent()) == 2  # the staff reply still waits
    went_on = time.monotonic()
    phone.presses("go")
    calls = phone.wait_for_messages(4)
    texts = [c.params["text"] for c in calls[2:]]
    assert "Are you safe?" in texts
    assert all(c.at - went_on <= 5.0 for c in calls[2:])
    assert Contact.objects.get(pk=contact.pk).stopped_at is None


@pytest.fixture
def townships() -> None:
    """The place tables, which an earlier transactional test's flush emptied
    (serialized_rollback clashes with the content types post_migrate makes)."""
    if not Township.objects.exists():
        places = importlib.import_module("safepassage.geo.migrations.0002_load_places")
        places.load(django_apps, None)


def test_a_photo_or_a_sticker_asks_again_and_a_location_answers_where_in_burmese(townships, phone):
    phone.says("hello")
    first = phone.wait_for_messages(1)[0]
    assert any("\u1000" <= ch <= "\u109f" for ch in first.params["text"])  # the phone's language
    labels = [row[0]["text"] for row in first.params["reply_markup"]["inline_keyboard"]]
    assert all("a:" not in label for label in labels)  # labels, never payloads
    phone.sends({"photo": [{"file_id": "F1"}], "caption": "me"})
    again = phone.wait_for_messages(2)[1]
    assert _buttons(again)[0] == "a:conscript"  # the same question
    phone.presses("a:soldier")
    phone.wait_for_messages(3)
    phone.sends({"sticker": {"file_id": "S1"}})
    phone.wait_for_messages(4)
    phone.sends({"location": {"latitude": 16.86, "longitude": 96.12}})
    stage = phone.wait_for_messages(5)[4]
    assert _buttons(stage)[:2] == ["a:in_training", "a:deployed"]
    contact = contact_for(phone.channel, str(CHAT))[0]
    assert contact.answers["township_pcode"] == "MMR013008"


def test_guessing_makes_the_owner_of_an_unfiltered_receipt_wait_a_minute_and_no_longer(phone):
    """A receipt issued before the cheap filter (resuming.py) keeps the guard."""
    owner = Contact.objects.create(channel=phone.channel, address="1", language="en", step="open")
    receipt = code_and_receipt_issue(owner)
    owner.receipt_filter = ""
    owner.save()
    for prober in range(CODE_FAILURES_ALLOWED):
        Contact.objects.create(channel=phone.channel, address=str(900 + prober), step="start")
        guesser = Phone(phone.client, phone.channel, phone.secret, phone.api, chat=900 + prober)
        guesser.says("/resume")
        guesser.wait_for_messages(1)
        guesser.says(owner.code)
        guesser.wait_for_messages(2)
        guesser.says("09 4111 11111 / 09 4222 22222")
        guesser.wait_for_messages(3)
    phone.says("/resume")
    phone.wait_for_messages(1)
    phone.says(owner.code)
    phone.wait_for_messages(2)
    phone.says(receipt)
    told = phone.wait_for_messages(3)[2]
    with translation.override("my"):  # the phone's language
        expected = _(
            "Too many tries were made. Wait %(minutes)s minute(s), then send the two numbers again."
        ) % {"minutes": 1}
    assert told.params["text"] == expected
    ResumeGuard.objects.exclude(wait_from=None).update(
        wait_from=timezone.now() - GUARD_DELAY - dt.timedelta(seconds=1)
    )
    phone.says(receipt)
    phone.wait_for_messages(4)
    assert contact_for(phone.channel, str(CHAT))[0].continues == owner


@pytest.fixture
def page(client, worker) -> Iterator[tuple]:
    with fake_graph_api() as (url, api):
        channel = services.channel_create(
            actor=None,
            kind="facebook",
            name="Page",
            token="EAAG-invented",
            app_secret=FACEBOOK_APP_SECRET,
            api_url=url,
        )
        yield client, channel, api


def _page_says(client, channel, mid: str, message: dict) -> None:
    body = page_delivery({"sender": {"id": "2468013579"}, "message": {"mid": mid, **message}})
    response = client.post(
        reverse("intake:facebook_webhook", args=[channel.public_id]),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signed(body),
    )
    assert response.status_code == 200


def _page_messages(api, count: int) -> list:
    calls = api.wait_for(count, method="messages", timeout=30)
    assert len(calls) == count, f"{len(calls)} of {count} messages arrived"
    return [c.params["message"] for c in calls]


def test_messenger_five_messages_burmese_titles_whole_and_stop_said_honestly(page):
    client, channel, api = page
    _page_says(client, channel, "m.1", {"text": "မင်္ဂလာပါ"})
    first = _page_messages(api, 1)[0]
    labels = dict(OutboundMessage.objects.get(action="send").buttons)
    for reply in first["quick_replies"]:
        title, label = reply["title"], labels[reply["payload"]]
        assert len(title) <= 20
        kept = title.removesuffix("…")
        assert label.startswith(kept)
        assert len(kept) in grapheme_boundaries(label)  # no letter split
    assert "stop" in [q["payload"] for q in first["quick_replies"]]
    _page_says(client, channel, "m.2", {"text": "x", "quick_reply": {"payload": "a:police"}})
    _page_messages(api, 2)
    _page_says(client, channel, "m.3", {"text": "Hlaingtharya"})
    _page_messages(api, 3)
    answered = time.monotonic()
    _page_says(client, channel, "m.4", {"text": "x", "quick_reply": {"payload": "a:deployed"}})
    calls = api.wait_for(5, method="messages", timeout=30)
    assert len(calls) == 5
    assert calls[3].at - answered <= 5.0  # the code and the receipt
    time.sleep(2)
    assert len([c for c in api.calls if c.method == "messages"]) == 5  # five, no more
    _page_says(client, channel, "m.5", {"text": "STOP"})
    stopped = _page_messages(api, 6)[5]
    assert "\u1000" <= stopped["text"][0] <= "\u109f"  # Burmese: Messenger tells no language
