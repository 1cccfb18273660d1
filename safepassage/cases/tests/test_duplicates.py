"""dedupe_cases proposes double registrations once; screening officers decide."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import (
    CaseEvent,
    DuplicateProposal,
    DuplicateStatus,
    EventKind,
    Person,
)
from safepassage.cases.screening import services as screening_services
from safepassage.cases.tests.factories import case_create, person_create, phone_add

pytestmark = pytest.mark.django_db

FIRST = {
    "name_latin": "Kyaw Zin Htun",
    "name_my": "ကျော်ဇင်ထွန်း",
    "nrc": "12/မရက(နိုင်)654321",
    "birth": {"precision": "full", "date": "1999-03-04"},
    "father_name": "ဦးဘစိန်",
}
SECOND = {
    **FIRST,
    "name_latin": "Kyao Zin Tun",
    "name_my": "",
    "birth": {"precision": "year", "year": 1999},
}
NAMESAKE = {
    **FIRST,
    "nrc": "9/မထလ(နိုင်)111222",
    "birth": {"precision": "year", "year": 1971},
    "father_name": "ဦးလှ",
    "home_township": "MMR010001",
}


@pytest.fixture
def units():
    return UnitFactory(), UnitFactory()


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("dedupe_cases", *args, stdout=out)
    return out.getvalue()


def test_a_double_registration_across_units_is_proposed_once(units):
    a = case_create(unit=units[0])
    person_create(a, **FIRST)
    b = case_create(unit=units[1])
    person_create(b, **SECOND)
    c = case_create(unit=units[1])
    person_create(c, **NAMESAKE)

    out = _run()
    assert "Read 3 people: 1 groups" in out
    assert "1 new proposals" in out
    proposal = DuplicateProposal.objects.get()
    assert set(proposal.cases.values_list("pk", flat=True)) == {a.pk, b.pk}
    assert proposal.status == DuplicateStatus.OPEN
    for secret in ("Kyaw", "Kyao", a.code, b.code):
        assert secret not in out

    again = _run()
    assert "0 new proposals, 1 proposed before" in again
    assert DuplicateProposal.objects.count() == 1
    assert AuditEvent.objects.filter(action="cases.duplicates_proposed").count() == 2


def test_a_bad_threshold_is_a_clear_error():
    with pytest.raises(CommandError):
        _run("--threshold", "0")


def test_a_locked_vault_is_a_clear_error(units, locked_vault):
    with pytest.raises(CommandError, match="Unlock"):
        _run()


def _proposal(units):
    a = case_create(unit=units[0])
    person_create(a, **FIRST)
    b = case_create(unit=units[1])
    person_create(b, **SECOND)
    _run()
    return a, b, DuplicateProposal.objects.get()


def test_confirming_writes_on_both_timelines_and_audits_in_both_units(units):
    a, b, proposal = _proposal(units)
    officer = UserFactory(unit=units[0], roles=[Role.SCREENING_OFFICER])
    screening_services.duplicate_decide(actor=officer, proposal=proposal, same_person=True)
    proposal.refresh_from_db()
    assert proposal.status == DuplicateStatus.CONFIRMED
    assert proposal.decided_by == officer
    event_a = CaseEvent.objects.get(case=a, kind=EventKind.DUPLICATE_CONFIRMED)
    assert event_a.body == b.code
    assert CaseEvent.objects.get(case=b, kind=EventKind.DUPLICATE_CONFIRMED).body == a.code
    audited = AuditEvent.objects.filter(action="cases.duplicate_confirmed")
    assert {e.target_id for e in audited} == {str(a.pk), str(b.pk)}
    with pytest.raises(ValidationError):
        screening_services.duplicate_decide(actor=officer, proposal=proposal, same_person=False)


def test_only_a_screening_officer_of_one_of_the_units_decides(units):
    _a, _b, proposal = _proposal(units)
    for user in (
        UserFactory(unit=units[0], roles=[Role.UNIT_HANDLER]),
        UserFactory(unit=UnitFactory(), roles=[Role.SCREENING_OFFICER]),
    ):
        with pytest.raises(PermissionDenied):
            screening_services.duplicate_decide(actor=user, proposal=proposal, same_person=True)
    proposal.refresh_from_db()
    assert proposal.status == DuplicateStatus.OPEN


def test_the_panel_lists_the_proposal_and_the_buttons_decide(client, units):
    a, b, proposal = _proposal(units)
    officer = UserFactory(unit=units[1], roles=[Role.SCREENING_OFFICER])
    sign_in(client, officer)
    page = client.get(reverse("cases:screening", kwargs={"code": b.code})).content.decode()
    assert "Proposed as double registrations" in page
    assert a.code in page
    url = reverse("cases:duplicate_decide", kwargs={"code": b.code, "proposal_id": proposal.pk})
    assert client.post(url, {"answer": "maybe"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == DuplicateStatus.OPEN
    response = client.post(url, {"answer": "different"})
    assert response["Location"] == reverse("cases:screening", kwargs={"code": b.code})
    proposal.refresh_from_db()
    assert proposal.status == DuplicateStatus.REJECTED


def test_a_proposal_not_naming_the_case_is_not_found(client, units):
    _a, _b, proposal = _proposal(units)
    own = case_create(unit=units[1])
    sign_in(client, UserFactory(unit=units[1], roles=[Role.SCREENING_OFFICER]))
    url = reverse("cases:duplicate_decide", kwargs={"code": own.code, "proposal_id": proposal.pk})
    assert client.post(url, {"answer": "same"}).status_code == 404


def test_people_who_meet_only_through_an_alias_or_a_second_phone_are_proposed(units):
    bare = {
        "name_my": "",
        "nrc": "",
        "father_name": "",
        "birth": {"precision": "year", "year": 1994},
    }
    known_as = case_create(unit=units[0])
    person_create(known_as, **bare, name_latin="Zaw Min Htet", aliases=["Thiha Soe"])
    for number in ("09420000111", "09420000555"):
        phone_add(Person.objects.get(case=known_as), number)
    registered = case_create(unit=units[1])
    person_create(registered, **bare, name_latin="Thiha Soe")
    phone_add(Person.objects.get(case=registered), "+959420000555")
    assert "1 new proposals" in _run()
    proposal = DuplicateProposal.objects.get()
    assert set(proposal.cases.values_list("pk", flat=True)) == {known_as.pk, registered.pk}
