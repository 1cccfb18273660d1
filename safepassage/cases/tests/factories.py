from __future__ import annotations

import datetime as dt

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory
from safepassage.cases import services
from safepassage.cases.models import Case, FamilyMember, Person, PersonPhone, Task


def case_create(*, unit=None, actor=None, **kwargs) -> Case:
    """A case through the real service (data key, code, service record, audit)."""
    return services.case_open(actor=actor, unit=unit or UnitFactory(), **kwargs)


def handler_in(unit, *roles) -> object:
    return UserFactory(unit=unit, roles=list(roles) or [Role.UNIT_HANDLER])


def person_create(case: Case, **fields) -> Person:
    defaults = {
        "name_my": "မောင်ဇော်ဝင်း",
        "name_latin": "Maung Zaw Win",
        "aliases": ["Ko Zaw"],
        "birth": {"precision": "year", "year": 2001},
        "father_name": "ဦးဘသန်း",
        "nrc": "12/မရက(နိုင်)123456",
        "home_township": "MMR013017",
    }
    defaults.update(fields)
    return Person.objects.create(case=case, data_key=case.data_key, **defaults)


def phone_add(person: Person, number: str) -> PersonPhone:
    return PersonPhone.objects.create(person=person, data_key=person.data_key, number=number)


def family_add(person: Person, **fields) -> FamilyMember:
    defaults = {
        "relation": "mother",
        "name": "ဒေါ်မြ",
        "township": "MMR013017",
        "risk_notes": "lives near the barracks",
    }
    defaults.update(fields)
    return FamilyMember.objects.create(person=person, data_key=person.data_key, **defaults)


def task_add(case: Case, title: str = "Arrange pick-up", due_on: dt.date | None = None) -> Task:
    return Task.objects.create(case=case, data_key=case.data_key, title=title, due_on=due_on)
