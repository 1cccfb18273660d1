"""One screening index per machine: `manage.py screening_server` holds it,
the web workers ask it over a local Unix socket.

Before this, every gunicorn worker (and the background worker) decrypted
every registered person into an index of its own: at 1,000,000 people
145 s and 2.3 GiB each, and a build thread competing with the worker's
requests for the GIL for minutes after every start (docs/benchmarks.md).
Now one process (`safepassage-screening.service`) builds and keeps the
index; a worker's request sends the screened person's record, the same
`PersonRecord` the in-process call is given, and gets the candidates back.
No web worker decrypts everyone any more.

Protocol: one request per connection, each message a 4-byte big-endian
length and that many bytes of UTF-8 JSON (at most `MAX_MESSAGE` bytes;
nothing is unpickled). Operations: ``status``, ``search``, ``compare``,
``record`` (the matched person, asked for only when the user may see it),
``unreadable``, ``size``. The socket is created 0600 in a 0700 directory
owned by the service user, and the server also refuses a peer whose
user id is not its own (``SO_PEERCRED``).

When `settings.SCREENING_SOCKET` is empty (development, tests, `make
demo`), each process builds its own index as before
(`cases.screening`); when it is set and the server cannot be reached, the
panel says screening is not ready: a worker never falls back to decrypting
everyone itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import translation

from safepassage.screening.engine import REVIEW_THRESHOLD
from safepassage.screening.explain import Reason
from safepassage.screening.index import Candidate
from safepassage.screening.records import PersonRecord

from . import screening

logger = logging.getLogger(__name__)

#: The largest message either side accepts (a record is a few hundred bytes;
#: ten candidates with their reasons a few kilobytes).
MAX_MESSAGE = 256 * 1024
#: How long a worker waits for an answer (a search takes milliseconds; a
#: refresh after a burst of registrations, longer).
CLIENT_TIMEOUT = 15.0
_LENGTH = struct.Struct(">I")
#: Seconds between two of the server's own turns (`serve`'s `on_tick`).
TICK = 0.5
_FIELDS = ("id", "name", "name_my", "father_name", "date_of_birth", "nrc", "phone", "township")
_TUPLES = ("aliases", "other_phones")
#: The longest string field accepted from a peer, and the most aliases/phones.
_MAX_FIELD = 1000
_MAX_ITEMS = 20


class ScreeningServiceError(Exception):
    """The server answered with an error, or a message was malformed."""


class ScreeningServiceUnavailable(screening.ScreeningIndexNotReady):
    """The screening server cannot be reached: the panel says screening is
    not ready (never an index built here instead)."""

    def __init__(self) -> None:
        super().__init__(0, 0)


# ------------------------------------------------------------- messages ----


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 65536))
        if not chunk:
            raise ScreeningServiceError("connection closed mid-message")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> Any:
    """One message; refuses one longer than `MAX_MESSAGE` or not JSON."""
    (length,) = _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size))
    if length > MAX_MESSAGE:
        raise ScreeningServiceError("message too long")
    try:
        return json.loads(_recv_exactly(sock, length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ScreeningServiceError("message is not UTF-8 JSON") from exc


def send(sock: socket.socket, message: Any) -> None:
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_MESSAGE:
        raise ScreeningServiceError("message too long")
    sock.sendall(_LENGTH.pack(len(data)) + data)


def record_to_wire(record: PersonRecord) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(record, name) for name in _FIELDS}
    for name in _TUPLES:
        out[name] = list(getattr(record, name))
    return out


def record_from_wire(data: Any) -> PersonRecord:
    """A `PersonRecord` from a peer's message, every field checked."""
    if not isinstance(data, dict) or set(data) - {*_FIELDS, *_TUPLES}:
        raise ScreeningServiceError("a record is an object of known fields")
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = data.get(name, "")
        if not isinstance(value, str) or len(value) > _MAX_FIELD:
            raise ScreeningServiceError(f"record field {name} must be a short string")
        values[name] = value
    for name in _TUPLES:
        items = data.get(name, [])
        if (
            not isinstance(items, list)
            or len(items) > _MAX_ITEMS
            or not all(isinstance(i, str) and len(i) <= _MAX_FIELD for i in items)
        ):
            raise ScreeningServiceError(f"record field {name} must be a short list of strings")
        values[name] = tuple(items)
    return PersonRecord(**values)


def _candidate_to_wire(candidate: Candidate) -> dict[str, Any]:
    return {
        "id": candidate.id,
        "score": candidate.score,
        "reasons": [[r.field, r.weight, r.text] for r in candidate.reasons],
    }


def _candidate_from_wire(data: dict[str, Any]) -> Candidate:
    return Candidate(
        id=str(data["id"]),
        score=float(data["score"]),
        reasons=tuple(Reason(str(f), float(w), str(t)) for f, w, t in data["reasons"]),
    )


# --------------------------------------------------------------- client ----


class RemoteIndex:
    """What the panel asks of a `ScreeningIndex`, asked of the server."""

    def __init__(self, path: str, *, timeout: float = CLIENT_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout

    def _ask(self, op: str, **args: Any) -> Any:
        request = {"op": op, "lang": translation.get_language() or "", **args}
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self.timeout)
                sock.connect(self.path)
                send(sock, request)
                answer = receive(sock)
        except (OSError, ScreeningServiceError) as exc:
            logger.error("screening server %s: %s", self.path, type(exc).__name__)
            raise ScreeningServiceUnavailable() from exc
        if not isinstance(answer, dict):
            raise ScreeningServiceUnavailable()
        if "not_ready" in answer:
            read, total = answer["not_ready"]
            raise screening.ScreeningIndexNotReady(int(read), int(total))
        if "error" in answer or "result" not in answer:
            # What the server could not do (its key ring locked, its
            # database away): the panel says screening is not ready.
            logger.error("screening server %s: %s", self.path, str(answer.get("error"))[:80])
            raise ScreeningServiceUnavailable()
        return answer["result"]

    def status(self) -> None:
        """Raises `ScreeningIndexNotReady` unless the server's index is built."""
        self._ask("status")

    def search(
        self, record: PersonRecord, *, limit: int = 10, min_score: float = REVIEW_THRESHOLD
    ) -> list[Candidate]:
        found = self._ask("search", record=record_to_wire(record), limit=limit, min_score=min_score)
        return [_candidate_from_wire(c) for c in found]

    def compare(self, record: PersonRecord, id: str) -> Candidate | None:
        found = self._ask("compare", record=record_to_wire(record), id=id)
        return None if found is None else _candidate_from_wire(found)

    def record(self, id: str) -> PersonRecord | None:
        found = self._ask("record", id=id)
        return None if found is None else record_from_wire(found)

    def unreadable(self) -> frozenset[int]:
        return frozenset(int(i) for i in self._ask("unreadable"))

    def __len__(self) -> int:
        return int(self._ask("size"))


# --------------------------------------------------------------- server ----


def _int_arg(request: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = request.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ScreeningServiceError(f"{name} must be an integer from {low} to {high}")
    return value


def _float_arg(request: dict[str, Any], name: str, default: float) -> float:
    value = request.get(name, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or not -100 <= value <= 100:
        raise ScreeningServiceError(f"{name} must be a number from -100 to 100")
    return float(value)


def _id_arg(request: dict[str, Any]) -> str:
    value = request.get("id")
    if not isinstance(value, str) or not value.isdigit() or len(value) > 20:
        raise ScreeningServiceError("id must be a case id")
    return value


def answer(request: Any) -> dict[str, Any]:
    """The server's answer to one request (never raises for bad input)."""
    try:
        if not isinstance(request, dict) or not isinstance(request.get("op"), str):
            raise ScreeningServiceError("a request is an object with an op")
        op = request["op"]
        lang = request.get("lang")
        languages = {code for code, _name in settings.LANGUAGES}
        with translation.override(lang if lang in languages else settings.LANGUAGE_CODE):
            return {"result": _run(op, request)}
    except screening.ScreeningIndexNotReady as exc:
        return {"not_ready": [exc.read, exc.total]}
    except ScreeningServiceError as exc:
        return {"error": str(exc)}


def _run(op: str, request: dict[str, Any]) -> Any:
    """One operation; the request is checked whole before the index is asked."""
    if op in {"status", "unreadable"}:
        screening.screening_index_status()
        return None if op == "status" else sorted(screening.screening_index_left_out())
    if op == "size":
        return len(screening.screening_index_local(refresh=False))
    if op == "record":
        id = _id_arg(request)
        # Asked right after a search, which refreshed: no second refresh.
        person = screening.screening_index_local(refresh=False).record(id)
        return None if person is None else record_to_wire(person)
    if op == "compare":
        record, id = record_from_wire(request.get("record")), _id_arg(request)
        candidate = screening.screening_index_local().compare(record, id)
        return None if candidate is None else _candidate_to_wire(candidate)
    if op == "search":
        record = record_from_wire(request.get("record"))
        limit = _int_arg(request, "limit", 10, 1, 100)
        min_score = _float_arg(request, "min_score", REVIEW_THRESHOLD)
        index = screening.screening_index_local()
        candidates = index.search(record, limit=limit, min_score=min_score)
        return [_candidate_to_wire(c) for c in candidates]
    raise ScreeningServiceError("unknown op")


def keep_connections() -> None:
    """Before each request: keep the server's one database connection
    (Django's per-request `close_old_connections` would close it every
    time, and opening one costs more than a search), closing it only when
    an error left it unusable."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or not conn.errors_occurred:
            continue
        if conn.is_usable():
            conn.errors_occurred = False
        else:
            conn.close()


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def bind(path: str | Path) -> socket.socket:
    """A listening socket at `path`, 0600, in a directory made 0700; a
    stale socket file left by a killed server is replaced."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent.stat().st_uid != os.getuid():
        raise ScreeningServiceError(f"{path.parent} is not owned by this user")
    if path.is_socket():
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(64)
    return sock


def serve(
    sock: socket.socket,
    *,
    stop: threading.Event,
    on_request: Callable[[], None] = keep_connections,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Answer requests one at a time until `stop` is set. One at a time:
    a search takes milliseconds, and one thread means one database
    connection and no search racing a refresh. `on_tick` runs between two
    requests about twice a second, however busy (the server's readiness
    note and the snapshot's periodic write)."""
    sock.settimeout(TICK)
    uid = os.getuid()
    next_tick = time.monotonic()
    while not stop.is_set():
        if on_tick is not None and time.monotonic() >= next_tick:
            on_tick()
            next_tick = time.monotonic() + TICK
        try:
            conn, _addr = sock.accept()
        except TimeoutError:
            continue
        with conn:
            try:
                conn.settimeout(CLIENT_TIMEOUT)
                if _peer_uid(conn) != uid:
                    logger.warning("screening server: a peer of another user refused")
                    continue
                try:
                    request = receive(conn)
                except ScreeningServiceError as exc:
                    send(conn, {"error": str(exc)})
                    continue
                on_request()
                send(conn, answer(request))
            except Exception as exc:  # one bad exchange must not stop the server
                # The type only: a message could quote what was being read.
                logger.error("screening server: request failed: %s", type(exc).__name__)
                with contextlib.suppress(OSError, ScreeningServiceError):
                    send(conn, {"error": type(exc).__name__})
