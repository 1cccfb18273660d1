"""``manage.py demo_staff_chat``: a stand-in for a Telegram staff group, for
the demo only. It answers the two Bot API calls the crossing's staff
notices make (getMe, sendMessage) on 127.0.0.1 and prints each message it
receives, so that a newcomer sees what a unit's staff group would get.

Optional: without it, a demo unit has no staff channel and alerts are
shown on the home page only (docs/crossing.md, "Trying it")."""

from __future__ import annotations

import itertools
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from django.core.management.base import BaseCommand, CommandParser

_IDS = itertools.count(1)


def _handler(out: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if self.headers.get("Content-Type", "").startswith("application/json"):
                params = json.loads(raw or "{}")
            else:
                params = {k: v[0] for k, v in parse_qs(raw).items()}
            method = self.path.rsplit("/", 1)[-1]
            if method == "getMe":
                result: Any = {"id": 1, "is_bot": True, "first_name": "Demo staff bot"}
            elif method == "sendMessage":
                out.write(f"[staff chat {params.get('chat_id')}] {params.get('text')}")
                result = {
                    "message_id": next(_IDS),
                    "date": 0,
                    "chat": {"id": int(params.get("chat_id", 0)), "type": "group"},
                    "text": params.get("text", ""),
                }
            else:
                result = True
            body = json.dumps({"ok": True, "result": result}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    return Handler


class Command(BaseCommand):
    help = "Print what a unit's staff group would receive (demo stand-in for the Bot API)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8081)

    def handle(self, *args: Any, **options: Any) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", options["port"]), _handler(self.stdout))
        self.stdout.write(
            f"Demo staff chat on http://127.0.0.1:{options['port']} (Ctrl-C to stop). "
            "Point a unit at it: manage.py crossing_staff_channel UNIT --chat-id -1 "
            f"--token 1:demo_token_not_real --api-url http://127.0.0.1:{options['port']}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
