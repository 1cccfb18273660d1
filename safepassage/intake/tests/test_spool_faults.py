"""A full or failing disk under the webhook spool, and a database that
cannot be reached: the delivery is answered 503 (Telegram retries), and
nothing half-written stays behind a record that was answered 200
(docs/operations.md, "Faults survived"). The write and sync faults are
the kernel's answers, made to happen at the system call: a short write
that leaves part of the record on disk, then ENOSPC; an fdatasync that
fails with EIO."""

from __future__ import annotations

import errno
import os

import pytest
from django.db import OperationalError

from safepassage.intake import spool
from safepassage.intake.channels.telegram import fastpath
from safepassage.intake.models import InboundUpdate
from safepassage.intake.spool import writing
from safepassage.intake.tests.factories import telegram_channel
from safepassage.intake.tests.test_spool import _call, _django, _update

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(settings, tmp_path, monkeypatch):
    """The fast path on, a spool of the test's own (as test_spool.spooled)."""
    from django.core import signals
    from django.db import close_old_connections

    settings.INTAKE_WEBHOOK_SPOOL = True
    settings.VAR_DIR = tmp_path
    writer = spool.SpoolWriter(spool.spool_dir())
    monkeypatch.setattr(spool, "writer", lambda: writer)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield writer
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def drained_by_hand(monkeypatch):
    """The test drains when it says so (the immediate task backend would
    drain at each rotation), so that one drain's counts tell it all."""
    monkeypatch.setattr(writing, "_drain_enqueue", lambda: None)


class FullDisk:
    """`os.write` of the spool as a disk that fills up: after `room` more
    bytes, a write puts down what still fits and returns short (the
    kernel's answer), and the next one raises ENOSPC."""

    def __init__(self, monkeypatch, room: int) -> None:
        self.room = room
        self.real = os.write
        monkeypatch.setattr(writing.os, "write", self)

    def __call__(self, fd: int, data: bytes) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        part = bytes(data[: self.room])
        self.room -= len(part)
        return self.real(fd, part)


def _stored() -> list[str]:
    return sorted(InboundUpdate.objects.values_list("provider_id", flat=True), key=int)


def test_a_full_disk_refuses_with_503_and_leaves_nothing_half_written(own, monkeypatch):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    assert _call(app, channel.webhook_path(), _update(1))[0] == 200
    (path,) = spool.spool_dir().glob("*.open")
    whole = path.stat().st_size
    disk = FullDisk(monkeypatch, room=40)  # part of the next record fits
    status, _ = _call(app, channel.webhook_path(), _update(2))
    assert status == 503
    assert disk.room == 0  # the kernel took part of the record...
    ready = path.with_suffix(".ready")
    assert not path.exists()  # ...the file was retired
    assert ready.exists()
    assert ready.stat().st_size == whole  # and cut back to its last whole record
    # Still full: refused again, and no empty file is left behind.
    assert _call(app, channel.webhook_path(), _update(3))[0] == 503
    assert sorted(p.name for p in spool.spool_dir().iterdir()) == [ready.name]
    # Room again: accepted into a new file; Telegram's retries come.
    monkeypatch.setattr(writing.os, "write", disk.real)
    for update_id in (2, 3, 4):
        assert _call(app, channel.webhook_path(), _update(update_id))[0] == 200
    own.rotate(force=True)
    result = spool.spool_drain()
    assert result.tampered == 0
    assert result.cut_short == 0
    assert _stored() == ["1", "2", "3", "4"]
    assert not list(spool.spool_dir().iterdir())


def test_without_the_cut_a_later_record_is_still_never_read_after_a_part(own, monkeypatch):
    """Should cutting back fail too, the retired file ends in the part: the
    drain drops it as cut short, and no record was ever appended after it."""
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    assert _call(app, channel.webhook_path(), _update(1))[0] == 200

    def no_truncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(writing.os, "ftruncate", no_truncate)
    disk = FullDisk(monkeypatch, room=40)
    assert _call(app, channel.webhook_path(), _update(2))[0] == 503
    monkeypatch.setattr(writing.os, "write", disk.real)
    assert _call(app, channel.webhook_path(), _update(3))[0] == 200
    own.rotate(force=True)
    result = spool.spool_drain()
    assert result.tampered == 0
    assert result.cut_short == 1  # the part, dropped
    assert _stored() == ["1", "3"]


def test_a_failed_sync_refuses_and_the_file_takes_nothing_more(own, monkeypatch):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    assert _call(app, channel.webhook_path(), _update(1))[0] == 200

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    real = os.fdatasync
    monkeypatch.setattr(writing.os, "fdatasync", failing)
    assert _call(app, channel.webhook_path(), _update(2))[0] == 503
    (ready,) = spool.spool_dir().glob("*.ready")
    size = ready.stat().st_size
    monkeypatch.setattr(writing.os, "fdatasync", real)
    assert _call(app, channel.webhook_path(), _update(2))[0] == 200  # the retry
    assert ready.stat().st_size == size  # the failed file was not written to again
    own.rotate(force=True)
    assert spool.spool_drain().files == 2
    # Update 2 reached the disk before the sync failed: it is read, once,
    # beside Telegram's retry of it.
    assert _stored() == ["1", "2"]


def test_a_full_disk_while_opening_a_file_leaves_no_file(own, monkeypatch):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    FullDisk(monkeypatch, room=10)  # the header does not fit
    assert _call(app, channel.webhook_path(), _update(1))[0] == 503
    assert not list(spool.spool_dir().iterdir())
    assert own.current is None


def test_an_unreachable_database_answers_503_with_retry_after(own, monkeypatch):
    channel = telegram_channel()
    app = fastpath.TelegramWebhookFastPath(_django)
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    def unreachable(self) -> None:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(fastpath.ChannelCache, "_reload", unreachable)
    import io

    body = _update(1)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": channel.webhook_path(),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "x",
    }
    list(app(environ, start_response))
    assert seen["status"].startswith("503")
    assert seen["headers"]["Retry-After"] == fastpath.RETRY_AFTER
    assert not list(spool.spool_dir().iterdir())


def test_the_telegram_view_answers_503_so_that_telegram_retries(monkeypatch) -> None:
    """The webhook's Django view (the fast path off) meets the fault."""
    from django.db import connections
    from django.test import Client

    from safepassage.intake.tests.factories import TELEGRAM_SECRET, private_message

    channel = telegram_channel()
    client = Client(raise_request_exception=False)
    driver_error = connections["default"].Database.OperationalError

    # The fault at the connection, as tests/test_database_unavailable.py makes it.
    def refused(self, name=None):
        raise driver_error("server closed the connection unexpectedly")

    with monkeypatch.context() as patched:
        patched.setattr(type(connections["default"]), "create_cursor", refused)
        response = client.post(
            channel.webhook_path(),
            private_message(1),
            content_type="application/json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=TELEGRAM_SECRET,
        )
    assert response.status_code == 503
