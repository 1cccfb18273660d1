"""``manage.py screening_server``: the machine's one screening index.

Unlocks the key ring (``--passphrase-file``, the service manager's
credential, or a prompt), reads the index back from its encrypted snapshot
(`cases/screening/snapshot.py`; checked, then reconciled with the
database) or, failing that, reads every registered person, in a
background thread, and answers the web workers on the Unix socket
`settings.SCREENING_SOCKET` (or ``--socket``) from the first moment: "not
ready, N of M read" until then, candidates after. Writes the snapshot
again every `snapshot.WRITE_EVERY` when people changed, and at
shutdown (SIGTERM). Runs as `deploy/systemd/safepassage-screening.service`.
See `cases/screening/server.py` and docs/screening.md.

Prints counts and timings only, never a name or a case code.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from safepassage.audit.management.commands._unlock import ensure_vault_open
from safepassage.cases.screening import index as screening
from safepassage.cases.screening import snapshot
from safepassage.cases.screening.server import ScreeningServiceError, bind, serve


class Command(BaseCommand):
    help = "Hold the screening index of every registered person for this machine's workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--socket", help="socket path (default: SAFEPASSAGE_SCREENING_SOCKET)")
        parser.add_argument("--passphrase-file", help="file holding the key ring passphrase")
        parser.add_argument(
            "--no-snapshot",
            action="store_true",
            help="neither read nor write the encrypted snapshot (build from the database)",
        )

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
        self.snapshots = not options["no_snapshot"]
        self.started = time.monotonic()
        self.build = screening.screening_index_warm(from_snapshot=self.snapshots)
        self.ready = False
        self.written: tuple[object, int] | None = None
        self.last_write = time.monotonic()
        #: a child writing the snapshot (pid, why, started), while this answers
        self.child: tuple[int, str, float] | None = None
        self.stdout.write("screening server: listening; reading the index")
        try:
            serve(sock, stop=stop, on_tick=self._tick)
            self._announce()
            self._reap(wait=True)
            if self.snapshots:
                self._write("at shutdown")
        finally:
            sock.close()
            self.stdout.write("screening server: stopped")

    def _tick(self) -> None:
        """Between requests: say when ready; write the snapshot now and then."""
        indexed = screening._people.indexed
        self._reap(wait=False)
        if not self.ready:
            how = self._announce()
            if how is not None and how != "loaded" and self.snapshots:
                self._write("after the build", forked=True)
            return
        due = time.monotonic() - self.last_write > snapshot.WRITE_EVERY.total_seconds()
        if self.snapshots and due and indexed is not None and self.child is None:
            close_old_connections()
            indexed.refresh()
            if (indexed.watermark, len(indexed.seen)) != self.written:
                self._write("periodic", forked=True)
            self.last_write = time.monotonic()

    def _reap(self, *, wait: bool) -> None:
        """Collect the child writing the snapshot, once it is done."""
        if self.child is None:
            return
        pid, why, started = self.child
        done, status = os.waitpid(pid, 0 if wait else os.WNOHANG)
        if not done:
            return
        self.child = None
        if os.waitstatus_to_exitcode(status) != 0:
            self.stderr.write(f"screening server: snapshot not written ({why})")
            return
        size = snapshot.snapshot_path().stat().st_size
        self.stdout.write(
            f"screening server: snapshot written ({why}), {size:,} bytes "
            f"in {time.monotonic() - started:.1f} s"
        )

    def _announce(self) -> str | None:
        """Say once that the index is ready, and how it was made."""
        indexed = screening._people.indexed
        if self.ready or indexed is None:
            return None
        self.ready = True
        how = self.build.snapshot if self.build is not None else ""
        source = "from the snapshot" if how == "loaded" else "from the database"
        if how and how not in {"loaded", "missing"}:
            source += f" (snapshot refused: {how})"
        self.stdout.write(
            f"screening server: ready after {time.monotonic() - self.started:.1f} s, "
            f"{len(indexed.index):,} people, {source}"
        )
        self.written = (indexed.watermark, len(indexed.seen)) if how == "loaded" else None
        return how

    def _write(self, why: str, *, forked: bool = False) -> None:
        """Write the snapshot: here (at shutdown), or in a forked child
        while this process goes on answering (`_reap` reports it)."""
        indexed = screening._people.indexed
        if indexed is None:
            return
        started = time.monotonic()
        try:
            size = screening.screening_snapshot_write(forked=forked)
        except Exception as exc:  # a failed write leaves the last one in place
            self.stderr.write(f"screening server: snapshot not written: {type(exc).__name__}")
            return
        self.written = (indexed.watermark, len(indexed.seen))
        self.last_write = time.monotonic()
        if forked:
            self.child = (size or 0, why, started)
            return
        self.stdout.write(
            f"screening server: snapshot written ({why}), {size or 0:,} bytes "
            f"in {time.monotonic() - started:.1f} s"
        )
