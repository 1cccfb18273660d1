"""What reaches the person's phone, and when: the real background worker
(`manage.py db_worker`, as `make demo` and the systemd unit run it) against
a local server speaking the Bot API, with updates posted to the webhook as
Telegram posts them. Nothing is run by hand between the messages.

The times asserted are the promise made to the person (the code and the
receipt within 5 seconds of the last answer), not a benchmark."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from conftest import TEST_PASSPHRASE
from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory
from safepassage.intake import outbox, services
from safepassage.intake.models import Channel, Contact, OutboundMessage
from safepassage.intake.processing import contact_for
from safepassage.intake.tests.fake_apis import Recorder, fake_bot_api

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
        "DJANGO_SETTINGS_MODULE": "safepassage.intake.tests.worker_settings",
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

    def __init__(self, client, channel: Channel, secret: str, api: Recorder) -> None:
        self.client, self.channel, self.secret, self.api = client, channel, secret, api
        self.update_id = 500
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
                    "chat": {"id": CHAT, "type": "private"},
                    "from": {"id": CHAT, "is_bot": False, "language_code": "my"},
                    "text": text,
                }
            }
        )

    def presses(self, data: str) -> None:
        self._post(
            {
                "callback_query": {
                    "id": f"cb{self.update_id}",
                    "from": {"id": CHAT, "is_bot": False},
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": {"id": CHAT, "type": "private"},
                    },
                    "data": data,
                }
            }
        )

    def wait_for_messages(self, count: int) -> list:
        calls = self.api.wait_for(count, timeout=30)
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
