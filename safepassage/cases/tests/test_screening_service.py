"""The machine's one screening index (`manage.py screening_server`,
cases/screening/server.py): a real server process on this test's database
answers the panel as the in-process index does, sees people registered
after it started, refuses malformed requests without stopping, and a web
process with a socket configured never builds an index of its own."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import translation

from conftest import TEST_PASSPHRASE
from safepassage.audit.models import IntegrityAlert
from safepassage.cases.screening import client as screening_client
from safepassage.cases.screening import index as screening
from safepassage.cases.screening import selectors as screening_selectors
from safepassage.cases.screening import server as screening_service
from safepassage.cases.screening.snapshot import snapshot_path
from safepassage.cases.tests.factories import OTHER_NEW, TWICE_OLD, screened_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """A short directory for the socket (a Unix socket path is at most
    107 bytes; pytest's tmp_path can be longer)."""
    path = Path(tempfile.mkdtemp(prefix="sp-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _wait_ready(index: screening_service.RemoteIndex, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            index.status()
            return
        except screening.ScreeningIndexNotReady:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Server:
    """A real `manage.py screening_server` process on this test's database
    and key ring, started and stopped as systemd would."""

    def __init__(self, path: Path, logs: Path) -> None:
        self.path, self.logs = path, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        database = {
            key: connection.settings_dict[key]
            for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
        }
        passphrase = self.logs / "passphrase"
        passphrase.write_text(TEST_PASSPHRASE)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test_worker",
            "SAFEPASSAGE_WORKER_DATABASE": json.dumps(database),
            "SAFEPASSAGE_WORKER_VAR_DIR": str(django_settings.VAR_DIR),
            "SAFEPASSAGE_PASSPHRASE_FILE": str(passphrase),
            # As deployed: the server reads its socket from the settings,
            # which also tell its own panel code to ask a server (not itself).
            "SAFEPASSAGE_SCREENING_SOCKET": str(self.path),
        }
        self.runs += 1
        self.log = self.logs / f"server-{self.runs}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "screening_server"],
                cwd=Path(django_settings.BASE_DIR),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while not self.path.exists():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.05)

    def stop(self) -> str:
        """SIGTERM (what systemd sends); the server's output."""
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process = None
        return self.log.read_text()


@pytest.fixture
def running(socket_dir, tmp_path, settings) -> Iterator[Server]:
    path = socket_dir / "run" / "screening.sock"
    snapshot_path().unlink(missing_ok=True)  # none of an earlier test
    server = Server(path, tmp_path)
    server.start()
    settings.SCREENING_SOCKET = str(path)
    try:
        yield server
    finally:
        if server.process is not None:
            server.stop()
        snapshot_path().unlink(missing_ok=True)


@pytest.fixture
def server(running) -> screening_service.RemoteIndex:
    """The server's client; this process's panel asks it."""
    return screening_service.RemoteIndex(str(running.path))


def test_a_restarted_server_reads_its_snapshot_and_catches_up(
    running, server, officer, newcomer, earlier, owning
):
    _wait_ready(server)
    first = running.stop()
    assert "from the database" in first
    assert "snapshot written (at shutdown)" in first
    later = screened_case(owning, **{**TWICE_OLD, "name_latin": "Kyaw Zin Tun"})  # while down
    running.start()
    _wait_ready(server)
    found = screening_selectors.case_screening(user=officer, case=newcomer)
    # `earlier` comes from the snapshot, read by another process: its
    # blocks are found there (block keys are no per-process `hash`).
    assert {m.case.pk for m in found.matches} == {earlier.pk, later.pk}
    assert "from the snapshot" in running.stop()


def _shown(result: screening_selectors.CaseScreening) -> list[tuple[int, float, str, bool, str]]:
    return [(m.case.pk, m.score, m.explanation, m.visible, m.name) for m in result.matches]


def test_the_server_answers_the_panel_as_the_process_did(
    server, settings, officer, owner_officer, newcomer, earlier, asking
):
    own = screened_case(asking, **TWICE_OLD)  # shown by name
    path = Path(settings.SCREENING_SOCKET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    settings.SCREENING_SOCKET = ""
    expected = {}
    for lang in ("en", "my"):
        with translation.override(lang):
            expected[lang] = _shown(screening_selectors.case_screening(user=officer, case=newcomer))
    assert {pk for pk, *_ in expected["en"]} == {earlier.pk, own.pk}
    screening.screening_index_reset()

    settings.SCREENING_SOCKET = str(path)
    _wait_ready(server)
    for lang in ("en", "my"):
        with translation.override(lang):
            assert (
                _shown(screening_selectors.case_screening(user=officer, case=newcomer))
                == expected[lang]
            )
    # This process built nothing: the server holds the only index.
    assert screening._people.indexed is None
    assert screening._people.build is None
    assert len(server) == 3


def test_a_person_registered_in_this_process_is_found_by_the_server(
    server, officer, newcomer, owning
):
    _wait_ready(server)
    assert screening_selectors.case_screening(user=officer, case=newcomer).matches == []
    later = screened_case(owning, **TWICE_OLD)  # committed here, read there
    found = screening_selectors.case_screening(user=officer, case=newcomer)
    assert [m.case.pk for m in found.matches] == [later.pk]
    assert not found.matches[0].visible
    assert found.matches[0].name == ""


def test_a_tampered_person_is_left_out_by_the_server_and_counted_on_the_panel(
    server, officer, newcomer, earlier, owning
):
    from safepassage.cases.models import Person
    from safepassage.vault.tests.tamper import flip_byte

    tampered = screened_case(owning, **OTHER_NEW)
    flip_byte(Person.objects.get(case=tampered), "father_name")
    _wait_ready(server)
    result = screening_selectors.case_screening(user=officer, case=newcomer)
    assert [m.case.pk for m in result.matches] == [earlier.pk]
    assert result.unreadable == 1
    assert server.unreadable() == {tampered.pk}
    assert IntegrityAlert.objects.filter(model="cases.person").count() == 1


def test_while_the_server_cannot_be_reached_the_panel_says_not_ready(
    socket_dir, settings, officer, newcomer, earlier
):
    settings.SCREENING_SOCKET = str(socket_dir / "absent.sock")
    result = screening_selectors.case_screening(user=officer, case=newcomer)
    assert result.preparing is not None
    assert result.matches == []
    # ... and the web process does not fall back to decrypting everyone.
    assert screening._people.indexed is None
    assert screening._people.build is None


# ----------------------------------------------- hostile input, in-thread ----


@pytest.fixture
def in_thread(socket_dir) -> Iterator[Path]:
    """The server's loop in a thread of this process (for the wire's tests)."""
    path = socket_dir / "s.sock"
    sock = screening_service.bind(path)
    stop = threading.Event()
    thread = threading.Thread(
        target=screening_service.serve, args=(sock,), kwargs={"stop": stop}, daemon=True
    )
    thread.start()
    try:
        yield path
    finally:
        stop.set()
        thread.join(10)
        sock.close()


def _raw(path: Path, payload: bytes) -> object:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(30)
        sock.connect(str(path))
        sock.sendall(payload)
        return screening_client.receive(sock)


def _framed(message: object) -> bytes:
    data = json.dumps(message).encode()
    return struct.pack(">I", len(data)) + data


@pytest.mark.parametrize(
    "payload",
    [
        struct.pack(">I", screening_client.MAX_MESSAGE + 1),  # too long, never read
        struct.pack(">I", 5) + b"\xff\xfe{}x",  # not UTF-8
        struct.pack(">I", 3) + b"{no",  # not JSON
        _framed([1, 2]),
        _framed({"op": "drop_tables"}),
        _framed({"op": "search"}),  # no record
        _framed({"op": "search", "record": {"id": "1", "name": 7}}),
        _framed({"op": "search", "record": {"id": "1", "evil": "x"}}),
        _framed({"op": "search", "record": {"id": "1", "aliases": ["a"] * 100}}),
        _framed({"op": "search", "record": {"id": "1", "name": "x" * 5000}}),
        _framed({"op": "search", "record": {"id": "1"}, "limit": 10**9}),
        _framed({"op": "search", "record": {"id": "1"}, "limit": True}),
        _framed({"op": "search", "record": {"id": "1"}, "min_score": "high"}),
        _framed({"op": "compare", "record": {"id": "1"}, "id": "../1"}),
        _framed({"op": "record", "id": 12}),
        _framed({"op": "screen", "record": {"id": "1"}, "unit": "1"}),
        _framed({"op": "screen", "record": {"id": "1"}, "unit": True}),
        _framed({"op": "screen", "record": {"id": "1"}, "unit": -1}),
        _framed({"op": "screen", "record": {"id": "1"}, "exclude": "../1"}),
        _framed({"op": "screen", "record": {"id": "1"}, "exclude": 5}),
        _framed({"op": "screen", "record": {"id": "1"}, "limit": 0}),
        _framed({"op": "screen", "record": "x"}),
    ],
)
def test_a_malformed_request_gets_an_error_and_the_server_goes_on(
    in_thread, payload, newcomer, earlier
):
    answer = _raw(in_thread, payload)
    assert isinstance(answer, dict)
    assert set(answer) == {"error"}
    remote = screening_service.RemoteIndex(str(in_thread))
    _wait_ready(remote)
    assert len(remote) == 2  # still answering


def test_the_wire_gives_the_same_candidates_as_the_index(in_thread, newcomer, earlier):
    remote = screening_service.RemoteIndex(str(in_thread))
    _wait_ready(remote)
    local = screening.screening_index_local()
    record = screening_selectors._screened_record(newcomer)
    assert record is not None
    assert remote.search(record[0]) == local.search(record[0])
    assert remote.compare(record[0], str(earlier.pk)) == local.compare(record[0], str(earlier.pk))
    assert remote.record(str(earlier.pk)) == local.record(str(earlier.pk))
    assert remote.record("999999") is None


def test_screen_sends_the_records_of_the_askers_unit_only(
    in_thread, newcomer, earlier, asking, owning
):
    own = screened_case(asking, **TWICE_OLD)
    remote = screening_service.RemoteIndex(str(in_thread))
    _wait_ready(remote)
    record, _updated = screening_selectors._screened_record(newcomer) or (None, None)
    assert record is not None
    local = screening.screening_index_local()
    answer = remote.screen(record, limit=10, exclude=str(newcomer.pk), unit=asking.pk)
    assert {c.id for c in answer.candidates} == {str(earlier.pk), str(own.pk)}
    assert answer.records == {str(own.pk): local.record(str(own.pk))}
    assert answer == screening.screen_with(
        local, record, limit=10, exclude=str(newcomer.pk), unit=asking.pk
    )
    other = remote.screen(record, limit=10, exclude=str(newcomer.pk), unit=owning.pk)
    assert set(other.records) == {str(earlier.pk)}
    assert remote.screen(record, limit=10, exclude="", unit=None).records == {}
    assert remote.screen(record, limit=1, exclude="", unit=None).candidates == local.search(
        record, limit=1
    )


def test_the_panel_asks_the_server_once(in_thread, settings, monkeypatch, officer, newcomer):
    own = screened_case(newcomer.unit, **TWICE_OLD)
    settings.SCREENING_SOCKET = str(in_thread)
    _wait_ready(screening_service.RemoteIndex(str(in_thread)))
    asked: list[str] = []
    ask = screening_client.RemoteIndex._ask

    def counting(self, op, **args):
        asked.append(op)
        return ask(self, op, **args)

    monkeypatch.setattr(screening_client.RemoteIndex, "_ask", counting)
    result = screening_selectors.case_screening(user=officer, case=newcomer)
    assert [(m.case.pk, m.visible, bool(m.name)) for m in result.matches][:1] == [
        (own.pk, True, True)
    ]
    assert asked == ["screen"]


def test_a_stale_socket_file_is_replaced_and_the_directory_kept_private(socket_dir):
    path = socket_dir / "sub" / "s.sock"
    first = screening_service.bind(path)
    first.close()  # a killed server leaves its file
    second = screening_service.bind(path)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        second.close()


def test_gunicorn_workers_build_no_index() -> None:
    conf = Path(django_settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"
    namespace: dict[str, object] = {}
    exec(compile(conf.read_text(), str(conf), "exec"), namespace)  # noqa: S102 (our own file)
    assert "post_worker_init" not in namespace
    assert "screening_index_warm" not in conf.read_text()
