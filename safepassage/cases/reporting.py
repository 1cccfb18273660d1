"""What the cases app hands the reports app: coarse facts per case.

Decrypts (the person's sex, year of birth and home township), so it is
called by the reports' refresh job in batches, never per page view. It
returns coarse values only: no name, no date of birth (a year), no case
code. Callers must keep what they derive from it coarse too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .models import Case, CaseEvent, Person, ServiceRecord
from .workflow import Status


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    unit_id: int
    status: str
    opened_at: dt.datetime
    # The first time the case reached each status (from its events).
    reached: dict[str, dt.datetime] = field(default_factory=dict)
    sex: str = ""
    birth_year: int | None = None
    home_township: str = ""
    category: str = ""
    stage: str = ""


def case_ids_for_reporting(*, batch: int = 500) -> Iterator[list[int]]:
    """Every case id, in ascending batches (for a full rebuild)."""
    last = 0
    while True:
        ids = list(
            Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _birth_year(birth: object) -> int | None:
    if not isinstance(birth, dict):
        return None
    year = birth.get("year")
    if year is None and isinstance(birth.get("date"), str):
        year = birth["date"][:4]
    try:
        value = int(str(year))
    except (TypeError, ValueError):
        return None
    return value if 1900 <= value <= 2100 else None


def case_facts_for_reporting(case_ids: Iterable[int]) -> dict[int, CaseFacts]:
    """Facts for the cases that still exist among `case_ids` (a case
    shredded or deleted is absent). Needs the key ring unlocked."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    cases = Case.objects.filter(pk__in=ids).only("pk", "unit_id", "status", "created_at")
    reached: dict[int, dict[str, dt.datetime]] = {}
    events = (
        CaseEvent.objects.filter(case_id__in=ids)
        .exclude(to_status="")
        .order_by("created_at", "pk")
        .values_list("case_id", "to_status", "created_at")
    )
    for case_id, to_status, at in events:
        reached.setdefault(case_id, {}).setdefault(to_status, at)
    # The case (whose unit binds the key) and the data key come in the same
    # query: without them, two more queries per person and per record.
    people = {
        p.case_id: p
        for p in Person.objects.filter(case_id__in=ids).select_related("case", "data_key__unit_key")
    }
    services = {
        s.case_id: s
        for s in ServiceRecord.objects.filter(case_id__in=ids).select_related(
            "case", "data_key__unit_key"
        )
    }
    result: dict[int, CaseFacts] = {}
    for case in cases:
        person = people.get(case.pk)
        service = services.get(case.pk)
        result[case.pk] = CaseFacts(
            case_id=case.pk,
            unit_id=case.unit_id,
            status=case.status,
            opened_at=case.created_at,
            reached=reached.get(case.pk, {}),
            sex=(person.sex or "") if person is not None else "",
            birth_year=_birth_year(person.birth) if person is not None else None,
            home_township=(person.home_township or "") if person is not None else "",
            category=service.category if service is not None else "",
            stage=service.stage if service is not None else "",
        )
    return result


#: Statuses in the order of the flow, for "reached at least".
FLOW_STATUSES: tuple[str, ...] = tuple(Status.values)
