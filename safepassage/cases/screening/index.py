"""Every registered person, in memory, for the screening panel.

The matching engine (`safepassage.screening`) compares plain records; this
module decrypts the people of *all* cases into one `CompactIndex` per
process, because a double registration or an infiltrator is found by
comparing across units. What a user is then shown of a match is decided
by `selectors.case_screening`, never here.

Built once per process, from the columns (`vault.rows`, no model
instances). Up to `BUILD_INLINE_LIMIT` people it is built in the request
that first needs it; beyond that in a background thread (started at a
worker's boot by `screening_index_warm`, or by that request), and until it
is done `screening_index` raises `ScreeningIndexNotReady` with its
progress -- never an index that silently lacks people.

Kept current without a rebuild: each use reads the people changed since
the last one (plus `REREAD`, for a save that committed after a later
one) and replaces them in the index; people of deleted or shredded cases
are dropped at display time. The index holds decrypted names only in the
memory of a process that holds the unlocked key ring anyway; it is never
written anywhere, and `screening_index_reset` drops it.

A person whose row (or one of whose phones) fails its integrity check is
left out of the index, not allowed to stop it: one altered row must not
take screening away from every unit. The row gets an integrity alert for
headquarters (once per row, `audit.services.integrity_alert_raise`),
`screening_index_unreadable` says how many people are left out so that
the panel can say so, and the person is read again once their row
changes (a restore). Their own screening panel still refuses, with the
integrity page.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from numpy.typing import NDArray

from safepassage.audit.services import audit_record
from safepassage.core.collector import collector_paused, long_lived_freeze
from safepassage.screening.compact import CompactIndex, Stamps
from safepassage.screening.index import Candidate
from safepassage.screening.records import PersonRecord

from ..models import Case, Person
from .client import RemoteIndex, ScreenAnswer
from .client import ScreeningIndexNotReady as ScreeningIndexNotReady
from .records import Unreadable, registered_people, registered_records

logger = logging.getLogger(__name__)

#: How far back each refresh re-reads, for saves that committed late.
REREAD = timedelta(minutes=5)
#: The most people a request builds the index for itself (about 3 s here);
#: more are read in a background thread.
BUILD_INLINE_LIMIT = 20_000
#: How long a request waits for a background build before it says "not ready".
BUILD_WAIT_SECONDS = 2.0
#: Where an integrity alert raised by the index says the row was found.
FOUND_IN = "cases.screening_index"


@dataclass
class _Indexed:
    """An index and what it has read: case id -> the person's updated_at."""

    index: CompactIndex
    #: case id -> updated_at (a `Stamps`: 16 bytes a person, not 150)
    seen: Stamps = field(default_factory=Stamps)
    watermark: datetime | None = None
    #: case ids of the people left out: a row of theirs failed its
    #: integrity check (read again when their `updated_at` changes)
    left_out: set[int] = field(default_factory=set)

    def read(self, people: QuerySet[Person], progress: _Build | None = None) -> Unreadable:
        """Index `people`; those that fail their integrity check are left
        out (dropped from the index if it held them) and returned."""
        unreadable = Unreadable()
        # A first build adds in bulk (blocks and counts merged once, at the end).
        with self.index.bulk() if progress is not None else contextlib.nullcontext():
            for batch in registered_records(
                people, stream=progress is not None, unreadable=unreadable
            ):
                for record, updated in batch:
                    case_id = int(record.id)
                    if self.seen.get(case_id) == updated:
                        continue
                    self.index.add(record)
                    self.seen[case_id] = updated
                    self.left_out.discard(case_id)
                    if self.watermark is None or updated > self.watermark:
                        self.watermark = updated
                if progress is not None:
                    progress.read += len(batch)
        if progress is not None:
            self.seen.merge()  # a million datetimes in a dict: 150 MB
        for case_id, updated in unreadable.cases.items():
            self.index.discard(str(case_id))
            self.seen[case_id] = updated
            self.left_out.add(case_id)
        return unreadable

    def refresh(self) -> None:
        """Read the people changed since the last read. Those of the last
        `REREAD` are listed first without their fields (one light query);
        only the ones whose `updated_at` is not what was read are decrypted."""
        people = registered_people()
        if self.watermark is None:
            self.read(people).report(found_in=FOUND_IN)
            return
        recent = people.filter(updated_at__gte=self.watermark - REREAD)
        seen = self.seen
        changed = [
            pk
            for pk, case_id, updated in recent.values_list("pk", "case_id", "updated_at")
            if seen.get(case_id) != updated
        ]
        if changed:
            self.read(people.filter(pk__in=changed)).report(found_in=FOUND_IN)

    def reconcile(self, rows: Iterable[tuple[int, int, datetime]] | None = None) -> None:
        """Bring an index read from a snapshot in line with the database:
        every registered person's updated_at is listed (no decryption);
        whoever the index holds at another time, or not at all, is read
        again; whoever the database no longer holds is dropped. (`rows`:
        the (pk, case id, updated_at) listed, for a benchmark without a
        database of a million people.)"""
        seen = self.seen
        present: set[int] = set()
        changed: list[int] = []
        latest = None
        if rows is None:
            listed = registered_people().values_list("pk", "case_id", "updated_at")
            rows = listed.iterator(chunk_size=20_000)
        for pk, case_id, updated in rows:
            present.add(case_id)
            if seen.get(case_id) != updated:
                changed.append(pk)
            if latest is None or updated > latest:
                latest = updated
        for case_id in set(seen) - present:
            self.index.discard(str(case_id))
            del seen[case_id]
            self.left_out.discard(case_id)
        self.watermark = latest
        for start in range(0, len(changed), 10_000):
            part = changed[start : start + 10_000]
            self.read(registered_people().filter(pk__in=part)).report(found_in=FOUND_IN)

    def state(self) -> tuple[dict[str, Any], dict[str, NDArray[Any]]]:
        """What a snapshot holds (`snapshot`): scalars, and the
        index, what it read and whom it left out as flat arrays."""
        meta = {
            "format": 2,
            "written_at": timezone.now().isoformat(),
            "this_year": self.index.this_year,
            "watermark": None if self.watermark is None else self.watermark.isoformat(),
        }
        arrays = {f"index.{name}": a for name, a in self.index.arrays().items()}
        arrays.update(self.seen.arrays("seen"))
        arrays["left_out"] = np.array(sorted(self.left_out), np.int64)
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, NDArray[Any]]) -> _Indexed:
        """ValueError, KeyError or TypeError when the state does not agree."""
        index = CompactIndex.from_arrays(
            {name[6:]: a for name, a in arrays.items() if name.startswith("index.")},
            this_year=int(meta["this_year"]),
        )
        watermark = meta["watermark"]
        return cls(
            index,
            Stamps.from_arrays(arrays, "seen"),
            None if watermark is None else datetime.fromisoformat(watermark),
            set(arrays["left_out"].tolist()),
        )


class _Build:
    """A first build in progress (in a background thread)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.read = 0
        #: whether to try the snapshot on disk first (the screening server),
        #: and what became of it ("loaded", or why it was refused)
        self.from_snapshot = False
        self.snapshot = ""
        self.done = threading.Event()
        self.error: BaseException | None = None


class _PeopleIndex:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.indexed: _Indexed | None = None
        self.build: _Build | None = None

    def current(self) -> CompactIndex:
        with self.lock:
            if self.indexed is not None:
                self.indexed.refresh()
                return self.indexed.index
            build = self.build
            if build is None:
                build = self._start(background=None)
                if self.indexed is not None:  # built inline, just now
                    return self.indexed.index
        build.done.wait(BUILD_WAIT_SECONDS)
        with self.lock:
            if build.error is not None:
                if self.build is build:
                    self.build = None  # the next use tries again
                raise build.error
            if self.indexed is None:
                raise ScreeningIndexNotReady(build.read, build.total)
            self.indexed.refresh()
            return self.indexed.index

    def warm(self, *, from_snapshot: bool = False) -> _Build | None:
        with self.lock:
            if self.indexed is None and self.build is None:
                return self._start(background=True, from_snapshot=from_snapshot)
            return None

    def _start(self, *, background: bool | None, from_snapshot: bool = False) -> _Build:
        """A first build; in this thread when small (and `background` is not
        asked for), else in a new one. Called with the lock held."""
        build = self.build = _Build(registered_people().count())
        build.from_snapshot = from_snapshot
        if background is None and build.total <= BUILD_INLINE_LIMIT:
            self._build(build, inline=True)
        else:
            threading.Thread(
                target=self._build, args=(build,), name="screening-index", daemon=True
            ).start()
        return build

    def _build(self, build: _Build, *, inline: bool = False) -> None:
        try:
            indexed = None
            if build.from_snapshot:
                build.snapshot, indexed = self._from_snapshot()
            if indexed is None:
                indexed = _Indexed(CompactIndex(this_year=timezone.now().year))
                # Millions of objects and no cycles: full collections over the
                # growing index would slow the build, and after it every full
                # collection would walk the index again (1.4 s a pass for
                # 300,000 people, measured), stalling whichever request set
                # one off.
                with collector_paused():
                    unreadable = indexed.read(registered_people(), progress=build)
                long_lived_freeze()
                unreadable.report(found_in=FOUND_IN)
        except BaseException as exc:  # handed to the next request, which raises it
            build.error = exc
            if inline:
                self.build = None
                raise
        else:
            if inline:
                self.indexed, self.build = indexed, None
            else:
                with self.lock:
                    if self.build is build:
                        self.indexed, self.build = indexed, None
        finally:
            build.done.set()
            if not inline:
                connections.close_all()

    def status(self) -> None:
        """Raise `ScreeningIndexNotReady` unless the index is built; start a
        background build if none runs (the screening server: it never
        waits, so that a request during the build is answered at once)."""
        with self.lock:
            if self.indexed is not None:
                return
            build = self.build
            if build is None:
                build = self._start(background=True)
            if build.error is not None:
                self.build = None  # the next use tries again
                raise build.error
            raise ScreeningIndexNotReady(build.read, build.total)

    def _from_snapshot(self) -> tuple[str, _Indexed | None]:
        """The index from the snapshot on disk when it passes its checks,
        reconciled with the database; else None (and the reason it was
        refused, said loudly), for a build from the database."""
        from . import snapshot

        try:
            with collector_paused():
                meta, arrays = snapshot.read()
                snapshot.check_fresh(meta, now=timezone.now())
                indexed = _Indexed.from_state(meta, arrays)
                del arrays
                indexed.reconcile()
            long_lived_freeze()
        except snapshot.SnapshotRefused as refused:
            if refused.reason != "missing":
                logger.error("screening snapshot refused: %s", refused.reason)
            if refused.reason in {"altered", "truncated", "not a snapshot", "unreadable"}:
                audit_record(
                    actor=None,
                    action="cases.screening_snapshot_refused",
                    details={"reason": refused.reason.replace(" ", "_")},
                )
            return refused.reason, None
        except (KeyError, TypeError, AttributeError, ValueError):
            logger.error("screening snapshot refused: unreadable")
            return "unreadable", None
        return "loaded", indexed

    def write_snapshot(self, *, forked: bool = False) -> int | None:
        """Write the built index to the snapshot (None before it is built),
        people of shredded cases dropped first. Its size in bytes; with
        `forked`, the id of a child process that writes it from a
        copy-on-write image of this one while this one goes on answering
        (the caller waits for it)."""
        from . import snapshot

        with self.lock:
            indexed = self.indexed
            if indexed is None:
                return None
            shredded = set(
                Person.objects.filter(data_key__shredded_at__isnull=False).values_list(
                    "case_id", flat=True
                )
            )
            for case_id in shredded & set(indexed.seen):
                indexed.index.discard(str(case_id))
                del indexed.seen[case_id]
                indexed.left_out.discard(case_id)
            if forked:
                pid = os.fork()
                if pid:
                    return pid
                code = 1
                try:  # the child: no database, no lock, no logging; only the file
                    with collector_paused():
                        snapshot.write(*indexed.state())
                    code = 0
                finally:
                    os._exit(code)
            with collector_paused():
                return snapshot.write(*indexed.state())


_people = _PeopleIndex()


class SearchableIndex(Protocol):
    """What the panel asks of the index: a `CompactIndex` in this
    process, or a `screening_service.RemoteIndex` asking the server."""

    def search(
        self, record: PersonRecord, *, limit: int = ..., min_score: float = ...
    ) -> list[Candidate]: ...

    def compare(self, record: PersonRecord, id: str) -> Candidate | None: ...

    def record(self, id: str) -> PersonRecord | None: ...

    def __len__(self) -> int: ...


def _remote() -> Any:
    """The screening server's client when this machine runs one
    (`settings.SCREENING_SOCKET`), else None."""
    path = getattr(settings, "SCREENING_SOCKET", "")
    if not path:
        return None
    return RemoteIndex(path)


def screening_index() -> SearchableIndex:
    """The index of every registered person, brought up to date; raises
    `ScreeningIndexNotReady` while a first build runs in the background.
    With a screening server configured, its client: each call on it raises
    `ScreeningIndexNotReady` while the server builds or cannot be reached."""
    remote = _remote()
    if remote is not None:
        # Not asked whether it is ready: its first answer says so (one
        # round trip fewer; `screening_index_ready` asks).
        return cast(SearchableIndex, remote)
    return _people.current()


def screen_with(
    index: SearchableIndex, record: PersonRecord, *, limit: int, exclude: str, unit: int | None
) -> ScreenAnswer:
    """What a screening panel asks: the best `limit` candidates for `record`
    but the case `exclude` (the screened one), the records of those whose
    case is in `unit` (the asker's, None for none: only those names are
    shown), and the people this index leaves out."""
    found = [c for c in index.search(record, limit=limit + 1) if c.id != exclude][:limit]
    records: dict[str, PersonRecord] = {}
    if unit is not None and found:
        # No join: of a shredded case the panel shows nothing anyway.
        own = Case.objects.filter(pk__in=[int(c.id) for c in found], unit_id=unit).values_list(
            "pk", flat=True
        )
        for pk in own:
            person = index.record(str(pk))
            if person is not None:
                records[str(pk)] = person
    return ScreenAnswer(found, records, screening_index_left_out())


def screening_screen(
    record: PersonRecord, *, limit: int, exclude: str, unit: int | None
) -> ScreenAnswer:
    """`screen_with` on the index of every registered person: the screening
    server's (one round trip) when configured, else this process's own.
    Raises `ScreeningIndexNotReady` as `screening_index` does."""
    remote = _remote()
    if remote is not None:
        return cast(ScreenAnswer, remote.screen(record, limit=limit, exclude=exclude, unit=unit))
    return screen_with(_people.current(), record, limit=limit, exclude=exclude, unit=unit)


def screening_index_ready() -> None:
    """Raise `ScreeningIndexNotReady` unless screening can answer now."""
    remote = _remote()
    if remote is not None:
        remote.status()
    else:
        _people.current()


def screening_index_local(*, refresh: bool = True) -> CompactIndex:
    """This process's own index, brought up to date (unless not `refresh`),
    without waiting: raises `ScreeningIndexNotReady` (and starts a
    background build) until it is built. What the screening server answers
    from."""
    _people.status()
    indexed = _people.indexed
    if not refresh and indexed is not None:
        return indexed.index
    return _people.current()


def screening_index_status() -> None:
    """Raise `ScreeningIndexNotReady` unless this process's index is built
    (starting a background build if none runs)."""
    _people.status()


def screening_index_unreadable() -> frozenset[int]:
    """Case ids of the people the index leaves out because a row of theirs
    failed its integrity check (empty before the index is built)."""
    remote = _remote()
    if remote is not None:
        try:
            return cast(frozenset[int], remote.unreadable())
        except ScreeningIndexNotReady:
            return frozenset()
    return screening_index_left_out()


def screening_index_left_out() -> frozenset[int]:
    """`screening_index_unreadable` of this process's own index."""
    indexed = _people.indexed
    return frozenset(indexed.left_out) if indexed is not None else frozenset()


def screening_snapshot_write(*, forked: bool = False) -> int | None:
    """Write this process's index to the snapshot (the screening server):
    its size, or with `forked` the id of the child process writing it."""
    return _people.write_snapshot(forked=forked)


def screening_index_warm(*, from_snapshot: bool = False) -> _Build | None:
    """Start building this process's index in the background, unless it is
    built or being built (the screening server, at its start: first from
    the snapshot on disk when `from_snapshot`). The build started, if any."""
    return _people.warm(from_snapshot=from_snapshot)


def screening_index_reset() -> None:
    """Forget the index (tests; a process that locks its key ring). A build
    still running finishes into the forgotten one."""
    global _people
    _people = _PeopleIndex()
