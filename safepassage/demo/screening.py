"""Screening material for the demo: double registrations and a watch-list.

So that a newcomer sees the screening panel at work after `make demo`: a
few demo people are registered a second time in another unit under a
different spelling (the double registrations screening must catch), and
headquarters keeps a watch-list on which some demo people appear under yet
another spelling, beside invented entries that match no one. Everything is
derived from the invented demo people; nothing names a real person.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from django.db import transaction

from safepassage.accounts.models import Unit, User
from safepassage.accounts.roles import Role
from safepassage.cases import services as case_services
from safepassage.cases.models import Case, Person, PersonPhone
from safepassage.watchlists import services as watchlist_services
from safepassage.watchlists.models import WatchList
from safepassage.watchlists.reading import COLUMNS, ListFile, SheetRow

from .names import given_name

DOUBLE_REGISTRATIONS = 4
WATCHED = 3
UNMATCHED_ENTRIES = 5
WATCH_LIST_NAME = "Known informants (demo)"

# Usual Latin spelling -> another one in use (the trouble screening meets).
_RESPELLINGS = (
    ("Kyaw", "Kyao"),
    ("Htun", "Tun"),
    ("Aung", "Aong"),
    ("Pyae", "Pye"),
    ("Thein", "Thane"),
    ("Moe", "Mo"),
    ("Soe", "So"),
    ("Win", "Winn"),
    ("Zin", "Zinn"),
)


def respelled(name: str) -> str:
    """Another plausible Latin spelling of `name` (run together if nothing else applies)."""
    for usual, other in _RESPELLINGS:
        new = re.sub(rf"\b{usual}\b", other, name)
        if new != name:
            return new
    return name.replace(" ", "")


@dataclass(frozen=True)
class ScreeningDemo:
    #: (first case code, second case code, a screening officer of the second's unit)
    double_registrations: list[tuple[str, str, str]]
    #: (case code, a screening officer of its unit)
    watched_cases: list[tuple[str, str]]


def _people(
    rng: random.Random, count: int, exclude: set[int], units: list[Unit] | None = None
) -> list[Person]:
    people = Person.objects.filter(case__unit__is_headquarters=False)
    if units is not None:
        people = people.filter(case__unit__in=units)
    candidates = list(
        people.exclude(case_id__in=exclude)
        .order_by("case_id")
        .values_list("case_id", flat=True)[:2000]
    )
    chosen = rng.sample(candidates, min(count, len(candidates)))
    return list(
        Person.objects.filter(case_id__in=chosen)
        .select_related("case__unit", "data_key__unit_key")
        .order_by("case_id")
    )


def demo_screening_seed(*, seed: int = 0) -> ScreeningDemo | None:
    """Add the double registrations and the watch-list, once; None if already there
    (or if the demo has no people yet)."""
    if WatchList.objects.filter(unit__is_headquarters=True).exists():
        return None
    keeper = (
        User.objects.filter(unit__is_headquarters=True, groups__name=Role.SCREENING_OFFICER)
        .select_related("unit")
        .first()
    )
    # Second registrations go to units that have a screening officer, so a
    # demo user can open them and see the panel catch them.
    units = list(
        Unit.objects.filter(
            is_active=True,
            is_headquarters=False,
            members__groups__name=Role.SCREENING_OFFICER,
        )
        .distinct()
        .order_by("pk")
    )
    if (
        keeper is None
        or len(units) < 2
        or not Person.objects.filter(case__unit__is_headquarters=False).exists()
    ):
        return None
    rng = random.Random(f"safepassage-demo-screening:{seed}")  # noqa: S311 - invented data
    with transaction.atomic():
        doubles = _double_registrations(rng, units)
        watched = _watch_list(
            rng, keeper, exclude={c for pair in doubles for c in pair}, units=units
        )
    involved = [case_id for pair in doubles for case_id in pair] + watched
    cases = {c.pk: c for c in Case.objects.filter(pk__in=involved)}
    officers = dict(
        User.objects.filter(
            unit__in=units, groups__name=Role.SCREENING_OFFICER, is_active=True
        ).values_list("unit_id", "username")
    )
    return ScreeningDemo(
        double_registrations=[
            (cases[a].code, cases[b].code, officers[cases[b].unit_id]) for a, b in doubles
        ],
        watched_cases=[(cases[c].code, officers[cases[c].unit_id]) for c in watched],
    )


def _double_registrations(rng: random.Random, units: list[Unit]) -> list[tuple[int, int]]:
    pairs = []
    for person in _people(rng, DOUBLE_REGISTRATIONS, exclude=set()):
        unit = rng.choice([u for u in units if u.pk != person.case.unit_id])
        case = case_services.case_open(actor=None, unit=unit, summary="")
        birth = person.birth or {}
        Person.objects.create(
            case=case,
            data_key=case.data_key,
            name_latin=respelled(person.name_latin or ""),
            # Half give the Burmese name too; half only the Latin spelling.
            name_my=person.name_my if rng.random() < 0.5 else "",
            father_name=person.father_name,
            # The date of birth as a year alone, as people often give it.
            birth={"precision": "year", "year": int(str(birth.get("date", ""))[:4])}
            if birth.get("date")
            else birth or None,
            nrc=person.nrc if rng.random() < 0.7 else "",
            home_township=person.home_township,
        )
        phone = person.phones.select_related("data_key__unit_key").first()
        if phone is not None and rng.random() < 0.5:
            PersonPhone.objects.create(
                person=Person.objects.get(case=case), data_key=case.data_key, number=phone.number
            )
        pairs.append((person.case_id, case.pk))
    return pairs


def _watch_list(
    rng: random.Random, keeper: User, exclude: set[int], units: list[Unit]
) -> list[int]:
    watch_list = watchlist_services.watchlist_create(
        actor=keeper,
        name=WATCH_LIST_NAME,
        description="Invented entries for the demo; some look like demo people.",
    )
    rows = []
    watched = []
    for person in _people(rng, WATCHED, exclude=exclude, units=units):
        birth = person.birth or {}
        cells = dict.fromkeys(COLUMNS, "")
        cells.update(
            name=respelled(person.name_latin or ""),
            father_name=person.father_name or "",
            date_of_birth=str(birth.get("date") or birth.get("year") or ""),
            nrc=person.nrc or "",
            notes="Reported by a demo source.",
        )
        rows.append(cells)
        watched.append(person.case_id)
    for _ in range(UNMATCHED_ENTRIES):
        name = given_name(rng, sex="female" if rng.random() < 0.2 else "male")
        cells = dict.fromkeys(COLUMNS, "")
        cells.update(name=name.latin, name_my=name.burmese, notes="Invented entry.")
        rows.append(cells)
    sheet = ListFile(
        "csv", list(COLUMNS), [], [SheetRow(i + 2, cells) for i, cells in enumerate(rows)]
    )
    watchlist_services.watchlist_import(actor=keeper, watch_list=watch_list, sheet=sheet)
    return watched
