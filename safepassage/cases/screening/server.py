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
nothing is unpickled). Operations: ``screen`` (what a screening panel
needs in one round trip: the candidates, the records of those in the
asker's unit, whose names it shows, and who is left out), ``status``,
``search``, ``compare``, ``record``, ``unreadable``, ``size``. The
socket is created 0600 in a 0700 directory owned by the service user,
and the server also refuses a peer whose user id is not its own
(``SO_PEERCRED``).

When `settings.SCREENING_SOCKET` is empty (development, tests, `make
demo`), each process builds its own index as before
(`cases.screening`); when it is set and the server cannot be reached, the
panel says screening is not ready: a worker never falls back to decrypting
everyone itself.
"""

from __future__ import annotations

import contextlib
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

from . import index as screening
from .client import (
    CLIENT_TIMEOUT,
    TICK,
    RemoteIndex,
    ScreeningIndexNotReady,
    ScreeningServiceError,
    ScreeningServiceUnavailable,
    candidate_to_wire,
    receive,
    record_from_wire,
    record_to_wire,
    screen_answer_to_wire,
    send,
)

__all__ = [
    "RemoteIndex",
    "ScreeningServiceError",
    "ScreeningServiceUnavailable",
    "answer",
    "bind",
    "serve",
]

logger = logging.getLogger(__name__)

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
    except ScreeningIndexNotReady as exc:
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
        return None if candidate is None else candidate_to_wire(candidate)
    if op == "screen":
        record = record_from_wire(request.get("record"))
        limit = _int_arg(request, "limit", 10, 1, 100)
        exclude = request.get("exclude", "")
        if exclude:
            exclude = _id_arg({"id": exclude})
        unit = request.get("unit")
        if unit is not None:
            unit = _int_arg(request, "unit", 0, 0, 2**63 - 1)
        index = screening.screening_index_local()
        answer = screening.screen_with(index, record, limit=limit, exclude=exclude, unit=unit)
        return screen_answer_to_wire(answer)
    if op == "search":
        record = record_from_wire(request.get("record"))
        limit = _int_arg(request, "limit", 10, 1, 100)
        min_score = _float_arg(request, "min_score", REVIEW_THRESHOLD)
        index = screening.screening_index_local()
        candidates = index.search(record, limit=limit, min_score=min_score)
        return [candidate_to_wire(c) for c in candidates]
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
