"""The full stack for the fault scripts: gunicorn as deployed, `db_worker`,
the timers' commands, a fake Telegram Bot API, and a sender that behaves
as Telegram does (each update delivered again until it gets a 200).

Everything runs on this machine over loopback, in a temporary directory,
on SQLite or on a throw-away PostgreSQL database of the local server
(`safepassage_faults_bench`, dropped at the end). Nothing is fetched from
outside. The bench process itself runs Django on the same database and
key ring to count what was stored and sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETTINGS = "bench.intake.settings"  # the local settings, DEBUG off
PG_NAME = "safepassage_faults_bench"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
PYTHON = str(ROOT / ".venv/bin/python")


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores shared, load average {load[0]:.1f}"
    )


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(  # noqa: S603
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atc", sql],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


@dataclass
class Stack:
    database: str  # "sqlite" or "postgres"
    var_dir: Path
    port: int
    workers: int = 2
    threads: int = 4
    web: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    worker_starts: int = 0
    webhook_path: str = ""
    secret: str = ""
    logs: list[Any] = field(default_factory=list)
    #: Where the processes' logs go (default: the var directory).
    log_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(
            DJANGO_SETTINGS_MODULE=SETTINGS,
            SAFEPASSAGE_VAR_DIR=str(self.var_dir),
            SAFEPASSAGE_PASSPHRASE_FILE=str(self.var_dir / "passphrase"),
            SAFEPASSAGE_BIND=f"127.0.0.1:{self.port}",
            SAFEPASSAGE_WORKERS=str(self.workers),
            SAFEPASSAGE_THREADS=str(self.threads),
            PYTHONDONTWRITEBYTECODE="1",
        )
        if self.database == "postgres":
            env["DATABASE_URL"] = f"{PG_BASE}/{PG_NAME}"
        return env

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (fixed argv)
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            check=check,
            capture_output=True,
            text=True,
        )

    def prepare(self, api_url: str) -> None:
        """Database, key ring, one Telegram channel pointing at the fake API;
        Django set up in this process on the same database."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if self.database == "postgres":
            psql(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            psql(f"CREATE DATABASE {PG_NAME}")
        self.manage("vault_init", "--generate-into", str(self.var_dir / "passphrase"))
        self.manage("migrate", "--no-input", "--verbosity", "0")
        os.environ.update(self.env())
        import django

        django.setup()
        from django.db import connections

        from safepassage.intake.services import channel_create
        from safepassage.vault import keyring

        if not keyring.try_unlock_from_environment():
            raise SystemExit(f"could not unlock the bench key ring: {keyring.last_error()}")
        channel = channel_create(
            actor=None,
            kind="telegram",
            name="fault bench bot",
            token="1:FAULTS",  # noqa: S106 (invented)
            api_url=api_url,
        )
        self.webhook_path, self.secret = channel.webhook_path(), channel.webhook_secret or ""
        connections.close_all()

    def _log(self, name: str) -> Any:
        handle = ((self.log_dir or self.var_dir) / f"{name}.log").open("ab")
        self.logs.append(handle)
        return handle

    def start_web(self) -> None:
        self.web = subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=self.env(),
            stdout=self._log("gunicorn"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/accounts/login/")
                if conn.getresponse().status in (200, 302, 503):
                    return
            time.sleep(0.3)
        raise SystemExit("gunicorn did not come up (see gunicorn.log)")

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(  # noqa: S603
            [PYTHON, "manage.py", "db_worker", "--interval", "0.5"],
            cwd=ROOT,
            env=self.env(),
            stdout=self._log("db_worker"),
            stderr=subprocess.STDOUT,
        )
        self.worker_starts += 1

    def supervise_worker(self) -> None:
        """What systemd's Restart= does: a worker that exited is started again."""
        if self.worker is not None and self.worker.poll() is not None:
            self.start_worker()

    def web_workers(self) -> list[int]:
        return children(self.web.pid) if self.web else []

    def kill_web_worker(self) -> int:
        pid = self.web_workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_worker(self) -> int:
        assert self.worker is not None
        pid = self.worker.pid
        os.kill(pid, signal.SIGKILL)
        self.worker.wait()
        return pid

    def timers(self) -> dict[str, str]:
        """The periodic commands (deploy/systemd/*.timer), once each."""
        out = {}
        for command in ("intake_drain", "intake_process", "outbox_send", "intake_purge"):
            done = self.manage(command, check=False)
            out[command] = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
        return {k: v[0] for k, v in out.items()}

    def stop(self) -> None:
        for proc in (self.web, self.worker):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        for handle in self.logs:
            handle.close()
        from django.db import connections

        connections.close_all()
        if self.database == "postgres":
            with contextlib.suppress(subprocess.CalledProcessError):
                psql(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


def update_body(update_id: int, chat: int, text: str) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id % 1_000_000,
                "date": 1764400000,
                "chat": {"id": chat, "type": "private", "first_name": "Invented"},
                "from": {"id": chat, "is_bot": False, "first_name": "Invented"},
                "text": text,
            },
        }
    ).encode()


@dataclass
class Delivery:
    update_id: int
    status: int  # the last answer (0: no answer: connection refused or reset)
    attempts: int
    latency: float  # seconds, of the last attempt
    at: float  # time.monotonic() of the last answer


class Telegram:
    """Sends updates as Telegram does: one connection per sender thread,
    kept alive; an update that gets anything but 200 (or no answer) is
    sent again after `retry_wait` seconds, until `give_up_after`."""

    def __init__(self, stack: Stack, *, retry_wait: float = 0.5, give_up_after: float = 300):
        self.stack = stack
        self.retry_wait = retry_wait
        self.give_up_after = give_up_after
        self.lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        #: Every answer: (time.monotonic(), status, latency seconds).
        self.answers: list[tuple[float, int, float]] = []
        self.stop = threading.Event()

    def _one(self, conn: http.client.HTTPConnection | None, body: bytes) -> tuple[Any, int, float]:
        started = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.stack.port, timeout=30)
            conn.request(
                "POST",
                self.stack.webhook_path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": self.stack.secret,
                },
            )
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            if conn is not None:
                conn.close()
            conn, status = None, 0
        latency = time.monotonic() - started
        with self.lock:
            self.answers.append((time.monotonic(), status, latency))
        return conn, status, latency

    def deliver(self, updates: list[tuple[int, int, str]], *, rate: float) -> None:
        """One sender: `updates` (update id, chat, text) at `rate` a second."""
        conn = None
        interval = 1.0 / rate
        next_at = time.monotonic()
        for update_id, chat, text in updates:
            if self.stop.is_set():
                return
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            next_at = max(next_at + interval, time.monotonic() - 1)
            body = update_body(update_id, chat, text)
            first = time.monotonic()
            attempts = 0
            while True:
                attempts += 1
                conn, status, latency = self._one(conn, body)
                if status == 200 or time.monotonic() - first > self.give_up_after:
                    break
                if status in (400, 403, 404, 413):  # Telegram drops these
                    break
                time.sleep(self.retry_wait)
            with self.lock:
                self.deliveries.append(
                    Delivery(update_id, status, attempts, latency, time.monotonic())
                )
        if conn is not None:
            conn.close()

    def run(self, per_sender: list[list[tuple[int, int, str]]], *, rate: float) -> list[Any]:
        threads = [
            threading.Thread(target=self.deliver, args=(updates,), kwargs={"rate": rate})
            for updates in per_sender
        ]
        for thread in threads:
            thread.start()
        return threads

    def accepted(self) -> set[str]:
        return {str(d.update_id) for d in self.deliveries if d.status == 200}

    def statuses(self) -> Counter[int]:
        return Counter(status for _, status, _ in self.answers)


def plan(senders: int, chats: int, per_chat: int, first_id: int = 500_000_000) -> list[Any]:
    """Updates split among senders; each chat's messages in order, by one
    sender (Telegram delivers one chat's updates in order)."""
    per_sender: list[list[tuple[int, int, str]]] = [[] for _ in range(senders)]
    update_id = first_id
    for n in range(per_chat):
        for chat in range(chats):
            update_id += 1
            text = "hello" if n == 0 else f"message {n} from chat {chat}"
            per_sender[chat % senders].append((update_id, 7_100_000 + chat, text))
    return per_sender


@contextlib.contextmanager
def fake_telegram() -> Iterator[tuple[str, Any]]:
    """The tests' fake Bot API (safepassage/intake/tests/fake_apis.py), in
    this process: every call the product makes is recorded here."""
    from safepassage.intake.tests.fake_apis import fake_bot_api

    with fake_bot_api() as (url, recorder):
        yield url, recorder


def settle(stack: Stack, *, quiet_seconds: float = 5, limit: float = 240) -> dict[str, Any]:
    """Run the timers' commands until nothing is left to do: the spool
    drained, every update read, the outbox sent (what systemd's timers do
    every few minutes, done at once)."""
    from django.db import connections

    from safepassage.intake.models import InboundUpdate, OutboundMessage, OutboxState, UpdateState

    connections.close_all()  # this process's own connection may predate a restart
    started = time.monotonic()
    runs = 0
    while True:
        stack.supervise_worker()
        last = stack.timers()
        runs += 1
        spool = [p for p in (stack.var_dir / "spool").glob("*") if p.suffix in (".open", ".ready")]
        waiting = InboundUpdate.objects.filter(state=UpdateState.RECEIVED).count()
        queued = OutboundMessage.objects.filter(state=OutboxState.QUEUED).count()
        if not spool and not waiting and not queued:
            time.sleep(quiet_seconds)
            if not OutboundMessage.objects.filter(state=OutboxState.QUEUED).exists():
                break
        if time.monotonic() - started > limit:
            break
        time.sleep(1)
    return {"timer_runs": runs, "last": last, "seconds": time.monotonic() - started}


def outbound_check(recorder: Any) -> dict[str, int]:
    """Each outbound message against the fake Bot API's calls: sent once,
    twice, or not at all. Message texts are compared (decrypted here);
    a receipt's text is not kept once sent, so secret messages are counted
    per chat."""
    from safepassage.intake.models import OutboundAction, OutboundMessage, OutboxState

    calls: Counter[tuple[str, str]] = Counter()
    for call in recorder.calls:
        if call.method == "sendMessage":
            calls[(str(call.params["chat_id"]), str(call.params.get("text", "")))] += 1
    rows: Counter[tuple[str, str]] = Counter()
    secret_rows: Counter[str] = Counter()
    states: Counter[str] = Counter()
    uncertain_delivered = uncertain_not = 0
    sent_ids = set()
    for message in OutboundMessage.objects.filter(action=OutboundAction.SEND).select_related(
        "contact", "data_key__unit_key"
    ):
        states[message.state] += 1
        if message.state not in (OutboxState.SENT, OutboxState.UNCERTAIN, OutboxState.SENDING):
            continue
        address = str(message.contact.address)
        if message.secret:
            secret_rows[address] += 1
            continue
        rows[(address, str(message.body))] += 1
        if message.provider_message_id:
            sent_ids.add(message.provider_message_id)
    twice = sum(max(0, n - rows[key]) for key, n in calls.items() if rows[key])
    unmatched: Counter[str] = Counter()
    for (chat, _text), n in calls.items():
        if not rows[(chat, _text)]:
            unmatched[chat] += n
    twice += sum(max(0, n - secret_rows[chat]) for chat, n in unmatched.items())
    for message in OutboundMessage.objects.filter(
        action=OutboundAction.SEND, state__in=[OutboxState.UNCERTAIN, OutboxState.SENDING]
    ).select_related("contact", "data_key__unit_key"):
        key = (str(message.contact.address), str(message.body))
        if message.secret or calls[key] == 0:
            uncertain_not += 1
        else:
            uncertain_delivered += 1
    return {
        "rows": sum(states.values()),
        "sent": states[OutboxState.SENT],
        "uncertain": states[OutboxState.UNCERTAIN] + states[OutboxState.SENDING],
        "uncertain_delivered": uncertain_delivered,
        "uncertain_not_delivered": uncertain_not,
        "queued": states[OutboxState.QUEUED],
        "failed": states[OutboxState.FAILED],
        "calls": sum(calls.values()),
        "delivered_twice": twice,
    }


def inbound_check(accepted: set[str]) -> dict[str, int]:
    from django.db.models import Count

    from safepassage.intake.models import InboundUpdate, UpdateState

    stored = Counter(InboundUpdate.objects.values_list("provider_id", flat=True))
    by_state = dict(
        InboundUpdate.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    return {
        "accepted": len(accepted),
        "stored": len(stored),
        "lost": len(accepted - set(stored)),
        "stored_twice": sum(1 for n in stored.values() if n > 1),
        "still_waiting": by_state.get(UpdateState.RECEIVED, 0),
        "quarantined": by_state.get(UpdateState.QUARANTINED, 0),
    }


def staff_cookie(roles: list[str] | None = None) -> str:
    """A signed-in staff member's session (a confirmed second factor), as
    the Cookie header a browser would send."""
    from django.conf import settings
    from django.test import Client

    from safepassage.accounts.tests.factories import UserFactory, sign_in

    client = Client()
    sign_in(client, UserFactory(roles=roles or []))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points."""
    n = len(points)
    if n < 2:
        return float("nan")
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else float("nan")
