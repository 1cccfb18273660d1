"""The screening server's wire and its client (`RemoteIndex`), which the
panel uses in place of an in-process index when `settings.SCREENING_SOCKET`
is set. The protocol and the server are described in `screening_service`.

Kept apart from the server so that `cases.screening` can use the client
while the server uses `cases.screening`: no import circle.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from safepassage.screening.engine import REVIEW_THRESHOLD
from safepassage.screening.explain import Reason
from safepassage.screening.index import Candidate
from safepassage.screening.records import PersonRecord

logger = logging.getLogger(__name__)


class ScreeningIndexNotReady(Exception):
    """The index is still being built in the background."""

    message = _(
        "Screening is still reading every registered person (after a restart). "
        "Try again in a few minutes."
    )

    def __init__(self, read: int, total: int) -> None:
        super().__init__(f"screening index: {read} of {total} people read")
        self.read = read
        self.total = total


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


class ScreeningServiceUnavailable(ScreeningIndexNotReady):
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


def candidate_to_wire(candidate: Candidate) -> dict[str, Any]:
    return {
        "id": candidate.id,
        "score": candidate.score,
        "reasons": [[r.field, r.weight, r.text] for r in candidate.reasons],
    }


def candidate_from_wire(data: dict[str, Any]) -> Candidate:
    return Candidate(
        id=str(data["id"]),
        score=float(data["score"]),
        reasons=tuple(Reason(str(f), float(w), str(t)) for f, w, t in data["reasons"]),
    )


@dataclass(frozen=True)
class ScreenAnswer:
    """All a screening panel asks of the index, in one answer (one round
    trip to the server, not one per candidate shown)."""

    candidates: list[Candidate]
    #: the records of those candidates whose case is in the asker's unit
    #: (the panel shows their names; of the others, never asked for)
    records: dict[str, PersonRecord]
    #: case ids of the people left out: a row of theirs failed its check
    left_out: frozenset[int]


def screen_answer_to_wire(answer: ScreenAnswer) -> dict[str, Any]:
    return {
        "candidates": [candidate_to_wire(c) for c in answer.candidates],
        "records": {id: record_to_wire(r) for id, r in answer.records.items()},
        "left_out": sorted(answer.left_out),
    }


def screen_answer_from_wire(data: Any) -> ScreenAnswer:
    if not isinstance(data, dict):
        raise ScreeningServiceError("a screening answer is an object")
    records = data.get("records")
    if not isinstance(records, dict):
        raise ScreeningServiceError("a screening answer's records are an object")
    return ScreenAnswer(
        candidates=[candidate_from_wire(c) for c in data.get("candidates", [])],
        records={str(id): record_from_wire(r) for id, r in records.items()},
        left_out=frozenset(int(i) for i in data.get("left_out", [])),
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
            raise ScreeningIndexNotReady(int(read), int(total))
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
        return [candidate_from_wire(c) for c in found]

    def compare(self, record: PersonRecord, id: str) -> Candidate | None:
        found = self._ask("compare", record=record_to_wire(record), id=id)
        return None if found is None else candidate_from_wire(found)

    def record(self, id: str) -> PersonRecord | None:
        found = self._ask("record", id=id)
        return None if found is None else record_from_wire(found)

    def screen(
        self, record: PersonRecord, *, limit: int, exclude: str, unit: int | None
    ) -> ScreenAnswer:
        """`cases.screening.screen_with` asked of the server: one round trip."""
        found = self._ask(
            "screen", record=record_to_wire(record), limit=limit, exclude=exclude, unit=unit
        )
        try:
            return screen_answer_from_wire(found)
        except (ScreeningServiceError, KeyError, TypeError, ValueError) as exc:
            logger.error("screening server %s: a malformed answer", self.path)
            raise ScreeningServiceUnavailable() from exc

    def unreadable(self) -> frozenset[int]:
        return frozenset(int(i) for i in self._ask("unreadable"))

    def __len__(self) -> int:
        return int(self._ask("size"))
