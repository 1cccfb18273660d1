"""The Telegram webhook's fast path and its spool: the same answers as the
view, a delivery kept durably before the 200, drained once, tampering and
crashes told apart."""

from __future__ import annotations

import io
import json
import os

import pytest

from safepassage.audit.models import AuditEvent
from safepassage.intake import spool
from safepassage.intake.channels.telegram import fastpath
from safepassage.intake.models import InboundUpdate
from safepassage.intake.tests.factories import TELEGRAM_SECRET, private_message, telegram_channel
from safepassage.vault.models import DataKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def spooled(settings, tmp_path, monkeypatch):
    """The fast path on, a spool of the test's own (no rotation thread)."""
    from django.core import signals
    from django.db import close_old_connections

    settings.INTAKE_WEBHOOK_SPOOL = True
    settings.VAR_DIR = tmp_path
    own = spool.SpoolWriter(spool.spool_dir())
    monkeypatch.setattr(spool, "writer", lambda: own)
    # As Django's test client does: the test's transaction must survive
    # the request signals the fast path sends.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield own
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _call(app, path: str, body: bytes, *, secret: str = TELEGRAM_SECRET, method: str = "POST"):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret,
    }
    out = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), out


def _django(environ, start_response):
    start_response("418 I'm a teapot", [])
    return [b"django"]


def _update(update_id: int, text: str = "mingalaba") -> bytes:
    return json.dumps(private_message(update_id, text=text), ensure_ascii=False).encode()


def test_an_accepted_update_is_on_disk_before_the_answer_and_drained_once(spooled):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    for update_id in (1, 2, 1):  # Telegram retries: 1 twice
        assert _call(app, channel.webhook_path(), _update(update_id))[0] == 200
    (open_file,) = list(spool.spool_dir().glob("*.open"))
    assert b"mingalaba" not in open_file.read_bytes()  # encrypted
    assert not InboundUpdate.objects.exists()
    spooled.rotate(force=True)  # the immediate task backend drains at once
    assert sorted(InboundUpdate.objects.values_list("provider_id", flat=True)) == ["1", "2"]
    assert InboundUpdate.objects.get(provider_id="2").payload == _update(2).decode()
    assert not list(spool.spool_dir().iterdir())
    assert DataKey.objects.get(owner="intake.spool").wrapped is None  # shredded
    event = AuditEvent.objects.get(action="intake.updates_received")
    assert event.details["count"] == 2


@pytest.mark.parametrize(
    ("body", "secret", "status"),
    [
        (_update(5), "wrong-secret", 403),
        (_update(5), "", 403),
        (b"not json", TELEGRAM_SECRET, 400),
        (b"[1, 2]", TELEGRAM_SECRET, 400),
        (b'{"update_id": "5"}', TELEGRAM_SECRET, 400),
        (b'{"update_id": true}', TELEGRAM_SECRET, 400),
        (b"\xff\xfe", TELEGRAM_SECRET, 400),
        (b"{" * 300_000, TELEGRAM_SECRET, 413),
    ],
)
def test_bad_deliveries_get_the_views_answers_and_keep_nothing(spooled, body, secret, status):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    assert _call(app, channel.webhook_path(), body, secret=secret)[0] == status
    assert not list(spool.spool_dir().glob("*.open"))


def test_unknown_inactive_and_other_paths(spooled):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    unknown = "/channels/telegram/00000000-0000-4000-8000-000000000000/webhook/"
    assert _call(app, unknown, _update(1))[0] == 404
    # Not the webhook, or not a POST: Django answers.
    assert _call(app, "/contact/", b"")[0] == 418
    assert _call(app, channel.webhook_path(), b"", method="GET")[0] == 418
    # Deactivated: refused once the channel cache is older than its TTL.
    channel.is_active = False
    channel.save(update_fields=["is_active"])
    app.channels.loaded_at -= fastpath.CHANNEL_TTL + 1
    assert _call(app, channel.webhook_path(), _update(2))[0] == 404


def test_switched_off_everything_goes_to_django(spooled, settings):
    settings.INTAKE_WEBHOOK_SPOOL = False
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    assert _call(app, channel.webhook_path(), _update(1))[0] == 418


def test_a_locked_vault_answers_503(spooled, locked_vault):
    app = fastpath.TelegramWebhookFastPath(_django)
    path = "/channels/telegram/00000000-0000-4000-8000-000000000000/webhook/"
    assert _call(app, path, _update(1))[0] == 503


def test_a_record_cut_short_by_a_crash_is_dropped_the_rest_kept(spooled):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    for update_id in (1, 2):
        _call(app, channel.webhook_path(), _update(update_id))
    (path,) = list(spool.spool_dir().glob("*.open"))
    with path.open("ab") as half_written:
        half_written.write(spool.LENGTH.pack(400) + b"\x01" * 100)
    os.close(spooled.current.fd)  # the process "dies": its lock goes
    spooled.current = None
    result = spool.spool_drain()
    assert (result.records, result.cut_short) == (2, 1)
    assert InboundUpdate.objects.count() == 2


def test_a_tampered_record_sets_the_file_aside_and_imports_nothing(spooled):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    for update_id in (1, 2, 3):
        _call(app, channel.webhook_path(), _update(update_id))
    (path,) = list(spool.spool_dir().glob("*.open"))
    data = bytearray(path.read_bytes())
    data[spool.HEADER + 40] ^= 0x01  # inside the first record
    path.write_bytes(bytes(data))
    os.close(spooled.current.fd)
    spooled.current = None
    result = spool.spool_drain()
    assert result.tampered == 1
    assert not InboundUpdate.objects.exists()
    assert list(spool.spool_dir().glob("*.bad"))
    assert AuditEvent.objects.filter(action="intake.spool_tampered").exists()


def test_records_cannot_be_reordered(spooled):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    for update_id in (1, 2):
        _call(app, channel.webhook_path(), _update(update_id))
    (path,) = list(spool.spool_dir().glob("*.open"))
    data = path.read_bytes()
    records, position = [], spool.HEADER
    while position < len(data):
        (length,) = spool.LENGTH.unpack_from(data, position)
        records.append(data[position : position + spool.LENGTH.size + length])
        position += spool.LENGTH.size + length
    path.write_bytes(data[: spool.HEADER] + records[1] + records[0])
    os.close(spooled.current.fd)
    spooled.current = None
    assert spool.spool_drain().tampered == 1


def test_a_live_writers_file_is_left_alone(spooled):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    _call(app, channel.webhook_path(), _update(1))
    assert spool.spool_drain().files == 0  # locked by its writer
    assert list(spool.spool_dir().glob("*.open"))
    spooled.rotate(force=True)
    assert InboundUpdate.objects.count() == 1


def test_a_large_drain_is_audited_in_batches(spooled):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    for update_id in range(spool.DRAIN_BATCH + 20):
        _call(app, channel.webhook_path(), _update(update_id))
    spooled.rotate(force=True)
    assert InboundUpdate.objects.count() == spool.DRAIN_BATCH + 20
    counts = [
        e.details["count"] for e in AuditEvent.objects.filter(action="intake.updates_received")
    ]
    assert counts == [spool.DRAIN_BATCH, 20]


def test_the_drain_command_reports(spooled, capsys):
    from django.core.management import call_command

    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    _call(app, channel.webhook_path(), _update(1))
    os.close(spooled.current.fd)
    spooled.current = None
    call_command("intake_drain")
    assert "1 records, 1 new updates" in capsys.readouterr().out


def test_the_fast_path_sends_djangos_request_signals(spooled):
    """They close broken or aged database connections between requests."""
    from django.core import signals

    seen = []

    def started(**kwargs):
        seen.append("started")

    def finished(**kwargs):
        seen.append("finished")

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        channel = telegram_channel()
        app = fastpath.TelegramWebhookFastPath(_django)
        _call(app, channel.webhook_path(), _update(1))
        _call(app, channel.webhook_path(), b"not json")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert seen == ["started", "finished", "started", "finished"]
