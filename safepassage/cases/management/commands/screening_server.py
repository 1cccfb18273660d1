"""``manage.py screening_server``: the machine's one screening index.

Unlocks the key ring (``--passphrase-file``, the service manager's
credential, or a prompt), starts reading every registered person into the
index in a background thread, and answers the web workers on the Unix
socket `settings.SCREENING_SOCKET` (or ``--socket``) from the first
moment: "not ready, N of M read" while it builds, candidates after. Runs
as `deploy/systemd/safepassage-screening.service`. See
`cases/screening_service.py` and docs/screening.md.

Prints counts and timings only, never a name or a case code.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.audit.management.commands._unlock import ensure_vault_open
from safepassage.cases import screening
from safepassage.cases.screening_service import ScreeningServiceError, bind, serve


class Command(BaseCommand):
    help = "Hold the screening index of every registered person for this machine's workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--socket", help="socket path (default: SAFEPASSAGE_SCREENING_SOCKET)")
        parser.add_argument("--passphrase-file", help="file holding the key ring passphrase")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["socket"] or getattr(settings, "SCREENING_SOCKET", "")
        if not path:
            raise CommandError("No socket: give --socket or set SAFEPASSAGE_SCREENING_SOCKET.")
        ensure_vault_open(options["passphrase_file"])
        try:
            sock = bind(path)
        except (OSError, ScreeningServiceError) as exc:
            raise CommandError(f"Cannot listen on the socket: {type(exc).__name__}") from None
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        started = time.monotonic()
        screening.screening_index_warm()
        threading.Thread(
            target=self._report_ready, args=(started, stop), name="ready", daemon=True
        ).start()
        self.stdout.write("screening server: listening; reading every registered person")
        try:
            serve(sock, stop=stop)
        finally:
            sock.close()
            self.stdout.write("screening server: stopped")

    def _report_ready(self, started: float, stop: threading.Event) -> None:
        while not stop.wait(1.0):
            try:
                screening.screening_index_status()
            except screening.ScreeningIndexNotReady:
                continue
            except Exception as exc:  # reported by the next request too
                self.stderr.write(f"screening server: build failed: {type(exc).__name__}")
                continue
            self.stdout.write(f"screening server: ready after {time.monotonic() - started:.1f} s")
            return
