"""Local HTTP servers speaking the providers' JSON, for tests: the real
clients (python-telegram-bot, httpx) talk to them over loopback, so only
the network is replaced.

`FakeBotAPI` answers `POST /bot<token>/<method>` as the Bot API does
(form-encoded parameters, JSON values for lists), and records every call;
`FakeGraphAPI` answers the Graph API's page subscription. Both can be told
to fail a method, as the real services sometimes do.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_ME = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Invented bot",
    "username": "invented_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    path: str
    token: str
    method: str
    params: dict[str, Any]
    #: When the call arrived (time.monotonic()): what reached the phone, and when.
    at: float = field(default_factory=time.monotonic)


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    #: method -> (HTTP status, JSON body) to answer instead of success.
    failures: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.method == "sendMessage"]

    def wait_for(self, count: int, method: str = "sendMessage", timeout: float = 30) -> list[Call]:
        """The first `count` calls of `method`, waiting up to `timeout`
        seconds for them to arrive (from another process); fewer if they
        never do."""
        deadline = time.monotonic() + timeout
        while True:
            calls = [c for c in self.calls if c.method == method]
            if len(calls) >= count or time.monotonic() > deadline:
                return calls[:count] if len(calls) >= count else calls
            time.sleep(0.05)


def _params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length).decode() if length else ""
    if handler.headers.get("Content-Type", "").startswith("application/json"):
        return json.loads(raw or "{}")
    params: dict[str, Any] = {}
    for key, values in parse_qs(raw, keep_blank_values=True).items():
        value = values[0]
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _handler(recorder: Recorder, answer: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            call = answer(self.path, _params(self))
            recorder.calls.append(call)
            status, body = recorder.failures.get(call.method, (200, None))
            if body is None:
                body = _success(call)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # quiet
            return

    return Handler


_MESSAGE_IDS = itertools.count(1001)


def _success(call: Call) -> dict[str, Any]:
    if call.path.startswith("/bot"):
        if call.method == "getMe":
            return {"ok": True, "result": BOT_ME}
        if call.method == "sendMessage":
            return {
                "ok": True,
                "result": {
                    "message_id": next(_MESSAGE_IDS),
                    "date": 1764400000,
                    "chat": {"id": int(call.params["chat_id"]), "type": "private"},
                    "text": call.params.get("text", ""),
                },
            }
        return {"ok": True, "result": True}
    if call.method == "messages":
        recipient = call.params.get("recipient", {})
        return {"recipient_id": recipient.get("id"), "message_id": "m_sent_1"}
    return {"success": True}


def _bot_call(path: str, params: dict[str, Any]) -> Call:
    _, token_part, method = path.split("/", 2)
    return Call(path, token_part.removeprefix("bot"), method, params)


def _graph_call(path: str, params: dict[str, Any]) -> Call:
    route, _, query = path.partition("?")
    token = parse_qs(query).get("access_token", [""])[0] or str(params.get("access_token", ""))
    return Call(route, token, route.rsplit("/", 1)[-1], params)


@contextmanager
def _serve(answer: Any) -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder, answer))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()


def fake_bot_api() -> Any:
    return _serve(_bot_call)


def fake_graph_api() -> Any:
    return _serve(_graph_call)
