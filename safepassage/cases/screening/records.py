"""Every registered person as the matching engine reads them: decrypted
from the columns (`vault.rows`, no model instances), in batches, with
their phones. A row that fails its integrity check is left out and
recorded (`Unreadable`) instead of stopping the read. The index
(`index.py`), the screening panel and `dedupe_cases` read people here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from safepassage.audit.services import integrity_failures_report
from safepassage.screening.records import PersonRecord
from safepassage.vault.exceptions import DecryptionError
from safepassage.vault.rows import decrypted_values

from ..models import Person, PersonPhone

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


@dataclass
class Unreadable:
    """What a bulk read left out: each failure (its `row` names the row)
    and, by case id, the `updated_at` of each person left out."""

    errors: list[DecryptionError] = field(default_factory=list)
    cases: dict[int, datetime] = field(default_factory=dict)
    #: people (by primary key) one of whose phones failed
    phone_failed_people: set[int] = field(default_factory=set)

    def person_failed(self, error: DecryptionError, plain: tuple[Any, ...]) -> None:
        _pk, case_id, updated = plain
        self.errors.append(error)
        self.cases[case_id] = updated

    def phone_failed(self, error: DecryptionError, plain: tuple[Any, ...]) -> None:
        self.errors.append(error)
        self.phone_failed_people.add(plain[0])

    def report(self, *, found_in: str, actor: Any = None, request: Any = None) -> None:
        """An integrity alert for each row (once per row, ever)."""
        integrity_failures_report(
            errors=self.errors, found_in=found_in, actor=actor, request=request
        )


def registered_records(
    people: QuerySet[Person] | None = None,
    *,
    stream: bool = True,
    unreadable: Unreadable | None = None,
) -> Iterator[list[tuple[PersonRecord, datetime]]]:
    """Batches of (record, updated_at) of `people` (every registered person
    by default), in primary-key order, decrypted from the columns without
    model instances; the phones of a batch in one query.

    A row that fails its integrity check raises DecryptionError; with
    `unreadable`, its person is left out instead (never read in part: a
    person whose phone fails is left out whole) and recorded there."""
    if people is None:
        people = registered_people()
    rows = decrypted_values(
        people.order_by("pk"),
        _PERSON_FIELDS,
        plain=("pk", "case_id", "updated_at"),
        stream=stream,
        unreadable=None if unreadable is None else unreadable.person_failed,
    )
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield _with_phones(batch, unreadable)
            batch = []
    if batch:
        yield _with_phones(batch, unreadable)


def _with_phones(
    batch: list[tuple[Any, ...]], unreadable: Unreadable | None
) -> list[tuple[PersonRecord, datetime]]:
    phones: dict[int, list[str]] = {}
    numbers = PersonPhone.objects.filter(person_id__in=[row[0] for row in batch]).order_by("pk")
    for person_id, number in decrypted_values(
        numbers,
        ("number",),
        plain=("person_id",),
        stream=False,
        unreadable=None if unreadable is None else unreadable.phone_failed,
    ):
        if number:
            phones.setdefault(person_id, []).append(number)
    records = []
    for pk, case_id, updated, *values in batch:
        if unreadable is not None and pk in unreadable.phone_failed_people:
            unreadable.cases[case_id] = updated
            continue
        records.append((_record(case_id, values, phones.get(pk, [])), updated))
    return records
