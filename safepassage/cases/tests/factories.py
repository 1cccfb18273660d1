from __future__ import annotations

import datetime as dt

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory
from safepassage.cases import services
from safepassage.cases.models import Case, FamilyMember, Person, PersonPhone, Task
from safepassage.cases.screening import services as screening_services


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


# Invented people for screening: the same person registered twice under two
# spellings (same NRC), and a second such pair with nothing in common with
# the first, for tests that need two matching pairs at once.
TWICE_NEW = {
    "name_latin": "Kyao Zin Tun",
    "name_my": "",
    "nrc": "12/မရက(နိုင်)654321",
    "birth": {"precision": "year", "year": 1999},
    "father_name": "U Ba Sein",
}
TWICE_OLD = {
    "name_latin": "Kyaw Zin Htun",
    "name_my": "ကျော်ဇင်ထွန်း",
    "nrc": "12/မရက(နိုင်)654321",
    "birth": {"precision": "full", "date": "1999-03-04"},
    "father_name": "ဦးဘစိန်",
}
OTHER_NEW = {
    "name_latin": "Nang Hsu Mon",
    "name_my": "",
    "nrc": "13/တကန(နိုင်)778899",
    "birth": {"precision": "year", "year": 1988},
    "father_name": "Sai Hla",
    "home_township": "MMR014001",
}
OTHER_OLD = {
    "name_latin": "Hsu Mon",
    "name_my": "ဆုမွန်",
    "nrc": "13/တကန(နိုင်)778899",
    "birth": {"precision": "full", "date": "1988-07-12"},
    "father_name": "စိုင်းလှ",
    "home_township": "MMR014001",
}


def screened_case(unit, **fields) -> Case:
    case = case_create(unit=unit)
    person_create(case, **fields)
    return case


def details_request_create(*, actor, case: Case, about: Case, reason: str = "same NRC?"):
    """A details request through the real service (`about` must be a match of `case`)."""
    return screening_services.details_request_send(
        actor=actor, case=case, about=about, reason=reason
    )
