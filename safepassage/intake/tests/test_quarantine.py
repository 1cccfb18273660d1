"""One bad delivery is set aside alone: the attacks of issue 18 §4 and §8,
performed at the door, in the spool's drain and in processing, on
whichever database the suite runs on."""

from __future__ import annotations

import io
import json
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from safepassage.audit.models import AuditEvent
from safepassage.intake import services, spool
from safepassage.intake.channels.telegram import fastpath
from safepassage.intake.models import Contact, ContactMessage, InboundUpdate, UpdateState
from safepassage.intake.processing import process_updates, update_process
from safepassage.intake.storable import MAX_DEPTH, storable_json, too_deep, unstorable
from safepassage.intake.tests.factories import (
    TELEGRAM_SECRET,
    facebook_channel,
    page_delivery,
    private_message,
    signed,
    telegram_channel,
)
from safepassage.intake.tests.test_spool import _call, _django, spooled  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(request) -> spool.SpoolWriter:
    """The test's own spool writer (`test_spool.spooled`)."""
    return request.getfixturevalue("spooled")


SURROGATE = json.loads('"\\ud800"')  # a lone surrogate, as a JSON parser yields it


def _body(update: dict) -> bytes:
    """The JSON text a sender puts on the wire (escapes, as json.dumps writes)."""
    return json.dumps(update).encode()


def _states() -> dict[str, str]:
    return dict(InboundUpdate.objects.values_list("provider_id", "state"))


# --- the door ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("fine ကောင်း", ""),
        (SURROGATE, "surrogate"),
        ("a\x00b", "nul"),
        ({"k\x00": 1}, "nul"),
        (2**63, "integer"),
        (-(2**63) - 1, "integer"),
        (2**63 - 1, ""),
        (float("inf"), "number"),
        (float("nan"), "number"),
        ([[[[]]]], ""),
    ],
)
def test_what_the_database_cannot_hold_is_named(value, reason):
    assert unstorable({"message": {"text": value}}) == reason


def test_nesting_is_measured_without_recursion():
    deep: object = []
    for _ in range(100_000):
        deep = [deep]
    assert too_deep(deep)
    assert unstorable(deep) == "depth"
    assert not too_deep(json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH))


def test_stored_json_always_encodes_and_means_the_same():
    value = {"text": SURROGATE + "\x00ကောင်း"}
    text = storable_json(value)
    text.encode("utf-8")
    assert json.loads(text) == value


def test_a_151_digit_update_id_is_refused_at_both_doors(client, writer):
    """The PostgreSQL attack: no provider id column holds it; before, the
    fast path answered 200 and every drain failed on it."""
    channel = telegram_channel()
    body = b'{"update_id": ' + b"9" * 151 + b', "message": {}}'
    app = fastpath.TelegramWebhookFastPath(_django)
    assert _call(app, channel.webhook_path(), body)[0] == 400
    response = client.post(
        channel.webhook_path(),
        data=body,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    assert response.status_code == 400
    assert not list(spool.spool_dir().glob("*.open"))
    assert not InboundUpdate.objects.exists()


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 900])
def test_absurd_nesting_is_refused_never_a_500(client, depth):
    """900 levels parse, but Python's encoder overflows on them: before,
    a signed Facebook delivery of that depth answered 500."""
    channel, page = telegram_channel(), facebook_channel()
    nested = json.loads("[" * depth + "]" * depth)
    update = private_message(1)
    update["message"]["x"] = nested
    response = client.post(
        channel.webhook_path(),
        data=json.dumps(update),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    assert response.status_code == 400
    body = b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "1"}, "x": '
    body += b"[" * depth + b"]" * depth + b"}]}]}"
    response = client.post(
        page.webhook_path(),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signed(body)},
    )
    assert response.status_code == 400
    assert not InboundUpdate.objects.exists()


def test_a_surrogate_through_the_fast_path_is_quarantined_alone_and_the_rest_read(
    writer, django_capture_on_commit_callbacks
):
    """The SQLite attack: before, the batch failed with UnicodeEncodeError,
    the 8 updates after it stayed `received`, and intake_process crashed
    on it at every run."""
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    for update_id in range(1, 11):
        text = SURROGATE if update_id == 2 else f"hello {update_id}"
        body = _body(private_message(update_id, text=text, chat_id=100 + update_id))
        assert _call(app, channel.webhook_path(), body)[0] == 200
    with django_capture_on_commit_callbacks(execute=True):
        writer.rotate(force=True)
    states = _states()
    assert states.pop("2") == UpdateState.QUARANTINED
    assert set(states.values()) == {UpdateState.PROCESSED}
    assert ContactMessage.objects.filter(inbound=True).count() == 9
    held = InboundUpdate.objects.get(provider_id="2")
    assert held.reason == "surrogate"
    assert json.loads(held.payload)["message"]["text"] == SURROGATE  # kept as delivered
    event = AuditEvent.objects.get(action="intake.update_quarantined")
    assert event.details == {"kind": "message", "reason": "surrogate", "stage": "door"}
    out = io.StringIO()
    call_command("intake_process", stdout=out)
    assert "0 waiting updates read: none." in out.getvalue()
    assert "1 updates in quarantine: 1 surrogate." in out.getvalue()


def test_a_signed_facebook_delivery_with_a_surrogate_answers_200_and_is_quarantined(
    client, django_capture_on_commit_callbacks
):
    """§8: before, it answered 500 and nothing of the delivery was kept."""
    page = facebook_channel()
    events = [
        {"sender": {"id": "2400"}, "message": {"mid": "m1", "text": "before"}},
        {"sender": {"id": "2401"}, "message": {"mid": "m2", "text": "x" + SURROGATE}},
        {"sender": {"id": "2402"}, "message": {"mid": "m3" + SURROGATE, "text": "odd mid"}},
        {"sender": {"id": "2403"}, "message": {"mid": "m\x004", "text": "nul mid"}},
        {"sender": {"id": "2404"}, "message": {"mid": "m5", "text": "after"}},
    ]
    body = page_delivery(*events)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page.webhook_path(),
            data=body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signed(body)},
        )
    assert response.status_code == 200
    states = _states()
    assert states["mid:m1"] == states["mid:m5"] == UpdateState.PROCESSED
    assert states["mid:m2"] == UpdateState.QUARANTINED
    # Ids the column cannot hold are replaced by a digest of the event.
    digests = {pid: state for pid, state in states.items() if pid.startswith("sha256:")}
    assert sorted(digests.values()) == [UpdateState.QUARANTINED] * 2
    bodies = sorted(m.body for m in ContactMessage.objects.filter(inbound=True))
    assert bodies == ["after", "before"]
    # The same delivery again (Meta retries) changes nothing.
    client.post(
        page.webhook_path(),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signed(body)},
    )
    assert InboundUpdate.objects.count() == 5


# --- the spool's drain ----------------------------------------------------


def _old_record(channel, provider_id: str, text: str = "hi", kind: str = "message"):
    """A record as a spool written before the door checked holds it."""
    update = private_message(1, text=text)
    return spool.Delivery(channel.pk, provider_id, kind, False, json.dumps(update))


def _ready(writer: spool.SpoolWriter, name: str):
    """Close the writer's file as a rotation does, under a name that sorts
    where the test needs it, without draining it yet."""
    current = writer.current
    target = current.path.with_name(f"{name}.ready")
    os.rename(current.path, target)
    current.retired, writer.current = True, None
    writer._close_if_done(current)
    return target


def test_a_record_the_database_cannot_hold_never_stops_the_records_and_files_after_it(
    writer, django_capture_on_commit_callbacks
):
    """The PostgreSQL attack, replayed from spool files written before the
    fix: a 151-digit update id (and NUL in another, which PostgreSQL
    refuses too) between good records, and a file sorted after
    theirs. Before, every drain failed on it with DataError, and the good
    records of both files were never stored."""
    channel = telegram_channel()
    long_id, odd_id = "9" * 151, "7\x00"
    for provider_id in ("1", long_id, "2", odd_id, "3"):
        writer.append(_old_record(channel, provider_id))
    _ready(writer, "00000000-first")
    writer.append(_old_record(channel, "4"))
    _ready(writer, "ffffffff-after")
    with django_capture_on_commit_callbacks(execute=True):
        result = spool.spool_drain()
    assert (result.files, result.stored, result.quarantined, result.held) == (2, 4, 2, 0)
    states = _states()
    for good in ("1", "2", "3", "4"):
        assert states.pop(good) == UpdateState.PROCESSED
    assert len(states) == 2
    assert all(pid.startswith("quarantine:") for pid in states)
    assert set(states.values()) == {UpdateState.QUARANTINED}
    reasons = InboundUpdate.objects.filter(state=UpdateState.QUARANTINED)
    assert set(reasons.values_list("reason", flat=True)) == {"provider_id"}
    assert not list(spool.spool_dir().iterdir())  # every file drained and deleted
    assert AuditEvent.objects.filter(action="intake.update_quarantined").count() == 2


def _refuse_in_the_database(kind: str) -> None:
    """A trigger: the database itself refuses any update of this kind."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON intake_inboundupdate "
                f"WHEN NEW.kind = '{kind}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.kind = '{kind}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_poison BEFORE INSERT ON intake_inboundupdate "
                "FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
            )


def test_a_record_refused_by_the_database_is_quarantined_the_batch_stored_one_by_one(writer):
    channel = telegram_channel()
    _refuse_in_the_database("poison\u00e9")  # not ASCII: quarantined as "other"
    for provider_id, kind in (("1", "message"), ("2", "poison\u00e9"), ("3", "message")):
        writer.append(_old_record(channel, provider_id, kind=kind))
    _ready(writer, "00000000-one")
    result = spool.spool_drain()
    assert (result.files, result.stored, result.quarantined, result.held) == (1, 2, 1, 0)
    held = InboundUpdate.objects.get(state=UpdateState.QUARANTINED)
    assert held.provider_id.startswith("quarantine:")
    assert held.kind == "other"
    assert held.reason.startswith(("integrity", "error:"))
    assert json.loads(held.payload)["update_id"] == 1
    assert _states().keys() >= {"1", "3"}
    assert AuditEvent.objects.filter(
        action="intake.update_quarantined", details__stage="drain"
    ).exists()


def test_a_file_that_cannot_be_stored_waits_and_the_files_after_it_are_drained(writer):
    channel = telegram_channel()
    _refuse_in_the_database("poison")  # ASCII: its quarantine is refused too
    writer.append(_old_record(channel, "1", kind="poison"))
    writer.append(_old_record(channel, "2"))
    stuck = _ready(writer, "00000000-stuck")
    writer.append(_old_record(channel, "3"))
    after = _ready(writer, "ffffffff-after")
    result = spool.spool_drain()
    assert (result.files, result.held) == (1, 1)
    assert stuck.exists()
    assert not after.exists()
    assert "3" in _states()
    assert "1" not in _states()


# --- processing -------------------------------------------------------------


def _stored(channel, provider_id: str, text: str) -> InboundUpdate:
    """Stored as the door did before it checked (no quarantine)."""
    update = private_message(int(provider_id), text=text, chat_id=500 + int(provider_id))
    return services.update_receive(
        channel=channel,
        provider_id=provider_id,
        kind="message",
        payload=json.dumps(update),
        one_by_one=False,
    ).update


@pytest.mark.parametrize(
    ("text", "reason"),
    [(SURROGATE, "surrogate"), ("a\x00b", None)],
)
def test_an_update_that_fails_in_processing_is_quarantined_and_the_batch_goes_on(text, reason):
    channel = telegram_channel()
    ids = [_stored(channel, str(n), text if n == 2 else f"hi {n}").pk for n in range(1, 11)]
    outcome = process_updates.call(ids)
    states = _states()
    if reason is None:  # NUL is encrypted like any character: read normally
        assert outcome == {UpdateState.PROCESSED: 10}
        return
    assert outcome == {UpdateState.PROCESSED: 9, UpdateState.QUARANTINED: 1}
    assert states.pop("2") == UpdateState.QUARANTINED
    assert set(states.values()) == {UpdateState.PROCESSED}
    held = InboundUpdate.objects.get(provider_id="2")
    assert held.reason == reason
    assert Contact.objects.count() == 9
    assert ContactMessage.objects.filter(inbound=True).count() == 9
    assert update_process(held.pk) == UpdateState.QUARANTINED  # never read again
    event = AuditEvent.objects.get(action="intake.update_quarantined")
    assert event.details == {"kind": "message", "reason": reason, "stage": "processing"}


def test_intake_process_no_longer_stops_on_a_bad_update():
    channel = telegram_channel()
    for n in range(1, 5):
        _stored(channel, str(n), SURROGATE if n == 1 else "hi")
    out = io.StringIO()
    call_command("intake_process", stdout=out)
    assert "4 waiting updates read: 3 processed, 1 quarantined." in out.getvalue()
    assert "1 updates in quarantine: 1 surrogate." in out.getvalue()
    out = io.StringIO()
    call_command("intake_process", stdout=out)
    assert "0 waiting updates read: none." in out.getvalue()


def test_the_quarantine_command_line_and_log_carry_no_content(caplog):
    channel = telegram_channel()
    _stored(channel, "1", "secret-canary" + SURROGATE)
    out = io.StringIO()
    call_command("intake_process", stdout=out)
    assert "canary" not in out.getvalue() + caplog.text
    event = AuditEvent.objects.get(action="intake.update_quarantined")
    assert "canary" not in json.dumps(event.details)


def test_the_view_path_quarantines_too(client, django_capture_on_commit_callbacks):
    channel = telegram_channel()
    url = reverse("intake:telegram_webhook", kwargs={"channel_id": channel.public_id})
    for update_id, text in ((1, SURROGATE), (2, "fine")):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url,
                data=_body(private_message(update_id, text=text)),
                content_type="application/json",
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            )
        assert response.status_code == 200
    assert _states() == {"1": UpdateState.QUARANTINED, "2": UpdateState.PROCESSED}
