"""Every registered person, in memory, for the screening panel.

The matching engine (`safepassage.screening`) compares plain records; this
module decrypts the people of *all* cases into one `ScreeningIndex` per
process, because a double registration or an infiltrator is found by
comparing across units. What a user is then shown of a match is decided
by `selectors.case_screening`, never here.

Kept current without a rebuild: each use reads the people changed since
the last one (plus `REREAD`, for a save that committed after a later
one) and replaces them in the index; people of deleted or shredded cases
are dropped at display time. The index holds decrypted names only in the
memory of a process that holds the unlocked key ring anyway; it is never
written anywhere, and `screening_index_reset` drops it.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from safepassage.screening.index import ScreeningIndex
from safepassage.screening.records import PersonRecord

from .models import Person, PersonPhone

#: How far back each refresh re-reads, for saves that committed late.
REREAD = timedelta(minutes=5)


def person_record(person: Person) -> PersonRecord:
    """The engine's view of a person (decrypts the person and its phones):
    aliases compared as names, every phone as a phone."""
    birth = person.birth or {}
    phones = [p.number for p in person.phones.all() if p.number]
    return PersonRecord(
        id=str(person.case_id),
        name=person.name_latin or "",
        name_my=person.name_my or "",
        father_name=person.father_name or "",
        date_of_birth=str(birth.get("date") or birth.get("year") or ""),
        nrc=person.nrc or "",
        phone=phones[0] if phones else "",
        township=person.home_township or "",
        aliases=tuple(a for a in (person.aliases or ()) if isinstance(a, str)),
        other_phones=tuple(phones[1:]),
    )


def registered_people() -> QuerySet[Person]:
    """Every person whose case is not shredded, with keys and phones, for screening."""
    phones = PersonPhone.objects.select_related("data_key__unit_key")
    return (
        Person.objects.filter(data_key__shredded_at__isnull=True)
        .select_related("data_key__unit_key")
        .prefetch_related(Prefetch("phones", queryset=phones))
    )


class _PeopleIndex:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: ScreeningIndex | None = None
        self.seen: dict[int, datetime] = {}  # case id -> person.updated_at indexed
        self.watermark: datetime | None = None

    def current(self) -> ScreeningIndex:
        with self.lock:
            if self.index is None:
                self.index = ScreeningIndex([], this_year=timezone.now().year)
            people = registered_people()
            if self.watermark is not None:
                people = people.filter(updated_at__gte=self.watermark - REREAD)
            for person in people.iterator(chunk_size=2000):
                if self.seen.get(person.case_id) == person.updated_at:
                    continue
                self.index.add(person_record(person))
                self.seen[person.case_id] = person.updated_at
                if self.watermark is None or person.updated_at > self.watermark:
                    self.watermark = person.updated_at
            return self.index


_people = _PeopleIndex()


def screening_index() -> ScreeningIndex:
    """The index of every registered person, brought up to date."""
    return _people.current()


def screening_index_reset() -> None:
    """Forget the index (tests; a process that locks its key ring)."""
    global _people
    _people = _PeopleIndex()
