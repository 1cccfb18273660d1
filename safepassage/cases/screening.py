"""Every registered person, in memory, for the screening panel.

The matching engine (`safepassage.screening`) compares plain records; this
module decrypts the people of *all* cases into one `ScreeningIndex` per
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
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.core.collector import collector_paused, long_lived_freeze
from safepassage.screening.index import ScreeningIndex
from safepassage.screening.records import PersonRecord
from safepassage.vault.rows import decrypted_values

from .models import Person, PersonPhone

#: How far back each refresh re-reads, for saves that committed late.
REREAD = timedelta(minutes=5)
#: The most people a request builds the index for itself (about 3 s here);
#: more are read in a background thread.
BUILD_INLINE_LIMIT = 20_000
#: How long a request waits for a background build before it says "not ready".
BUILD_WAIT_SECONDS = 2.0
#: People read between two looks at the progress (and two phone queries).
_BATCH = 2000

_PERSON_FIELDS = (
    "name_latin",
    "name_my",
    "father_name",
    "birth",
    "nrc",
    "home_township",
    "aliases",
)


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


def _record(case_id: int, values: Sequence[Any], phones: list[str]) -> PersonRecord:
    name_latin, name_my, father_name, birth, nrc, township, aliases = values
    birth = birth if isinstance(birth, dict) else {}
    return PersonRecord(
        id=str(case_id),
        name=name_latin or "",
        name_my=name_my or "",
        father_name=father_name or "",
        date_of_birth=str(birth.get("date") or birth.get("year") or ""),
        nrc=nrc or "",
        phone=phones[0] if phones else "",
        township=township or "",
        aliases=tuple(a for a in (aliases or ()) if isinstance(a, str)),
        other_phones=tuple(phones[1:]),
    )


def person_record(person: Person) -> PersonRecord:
    """The engine's view of a person (decrypts the person and its phones):
    aliases compared as names, every phone as a phone."""
    values = tuple(getattr(person, name) for name in _PERSON_FIELDS)
    phones = [p.number for p in person.phones.all() if p.number]
    return _record(person.case_id, values, phones)


def registered_people() -> QuerySet[Person]:
    """Every person whose case is not shredded."""
    return Person.objects.filter(data_key__shredded_at__isnull=True)


def registered_records(
    people: QuerySet[Person] | None = None, *, stream: bool = True
) -> Iterator[list[tuple[PersonRecord, datetime]]]:
    """Batches of (record, updated_at) of `people` (every registered person
    by default), in primary-key order, decrypted from the columns without
    model instances; the phones of a batch in one query."""
    if people is None:
        people = registered_people()
    rows = decrypted_values(
        people.order_by("pk"), _PERSON_FIELDS, plain=("pk", "case_id", "updated_at"), stream=stream
    )
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield _with_phones(batch)
            batch = []
    if batch:
        yield _with_phones(batch)


def _with_phones(batch: list[tuple[Any, ...]]) -> list[tuple[PersonRecord, datetime]]:
    phones: dict[int, list[str]] = {}
    numbers = PersonPhone.objects.filter(person_id__in=[row[0] for row in batch]).order_by("pk")
    for person_id, number in decrypted_values(
        numbers, ("number",), plain=("person_id",), stream=False
    ):
        if number:
            phones.setdefault(person_id, []).append(number)
    return [
        (_record(case_id, values, phones.get(pk, [])), updated)
        for pk, case_id, updated, *values in batch
    ]


@dataclass
class _Indexed:
    """An index and what it has read: case id -> the person's updated_at."""

    index: ScreeningIndex
    seen: dict[int, datetime] = field(default_factory=dict)
    watermark: datetime | None = None

    def read(self, people: QuerySet[Person], progress: _Build | None = None) -> None:
        for batch in registered_records(people, stream=progress is not None):
            for record, updated in batch:
                case_id = int(record.id)
                if self.seen.get(case_id) == updated:
                    continue
                self.index.add(record)
                self.seen[case_id] = updated
                if self.watermark is None or updated > self.watermark:
                    self.watermark = updated
            if progress is not None:
                progress.read += len(batch)

    def refresh(self) -> None:
        """Read the people changed since the last read. Those of the last
        `REREAD` are listed first without their fields (one light query);
        only the ones whose `updated_at` is not what was read are decrypted."""
        people = registered_people()
        if self.watermark is None:
            self.read(people)
            return
        recent = people.filter(updated_at__gte=self.watermark - REREAD)
        seen = self.seen
        changed = [
            pk
            for pk, case_id, updated in recent.values_list("pk", "case_id", "updated_at")
            if seen.get(case_id) != updated
        ]
        if changed:
            self.read(people.filter(pk__in=changed))


class _Build:
    """A first build in progress (in a background thread)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.read = 0
        self.done = threading.Event()
        self.error: BaseException | None = None


class _PeopleIndex:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.indexed: _Indexed | None = None
        self.build: _Build | None = None

    def current(self) -> ScreeningIndex:
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

    def warm(self) -> None:
        with self.lock:
            if self.indexed is None and self.build is None:
                self._start(background=True)

    def _start(self, *, background: bool | None) -> _Build:
        """A first build; in this thread when small (and `background` is not
        asked for), else in a new one. Called with the lock held."""
        build = self.build = _Build(registered_people().count())
        if background is None and build.total <= BUILD_INLINE_LIMIT:
            self._build(build, inline=True)
        else:
            threading.Thread(
                target=self._build, args=(build,), name="screening-index", daemon=True
            ).start()
        return build

    def _build(self, build: _Build, *, inline: bool = False) -> None:
        try:
            indexed = _Indexed(ScreeningIndex([], this_year=timezone.now().year))
            # Millions of objects and no cycles: full collections over the
            # growing index would slow the build, and after it every full
            # collection would walk the index again (1.4 s a pass for 300,000
            # people, measured), stalling whichever request set one off.
            with collector_paused():
                indexed.read(registered_people(), progress=build)
            long_lived_freeze()
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


_people = _PeopleIndex()


def screening_index() -> ScreeningIndex:
    """The index of every registered person, brought up to date; raises
    `ScreeningIndexNotReady` while a first build runs in the background."""
    return _people.current()


def screening_index_warm() -> None:
    """Start building the index in the background (a worker's boot), unless
    it is built or being built."""
    _people.warm()


def screening_index_reset() -> None:
    """Forget the index (tests; a process that locks its key ring). A build
    still running finishes into the forgotten one."""
    global _people
    _people = _PeopleIndex()
