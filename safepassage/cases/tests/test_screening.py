"""The screening panel: matches across units, what each user sees of them,
decisions, staleness and the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases import services
from safepassage.cases.models import CaseEvent, EventKind, Person, ScreeningDecision
from safepassage.cases.screening import selectors as screening_selectors
from safepassage.cases.screening import services as screening_services
from safepassage.cases.screening.index import screening_index
from safepassage.cases.tests.factories import (
    TWICE_NEW,
    TWICE_OLD,
    case_create,
    person_create,
    phone_add,
)
from safepassage.vault.keys import data_key_shred
from safepassage.watchlists.tests.factories import keeper, list_with

pytestmark = pytest.mark.django_db

# Invented people. The newcomer spells the name differently and gives the
# same NRC (the factories' pair); the stranger shares nothing.
NEWCOMER = TWICE_NEW
EARLIER = TWICE_OLD
STRANGER = {
    "name_latin": "Thida Myint",
    "name_my": "သီတာမြင့်",
    "nrc": "9/မထလ(နိုင်)111222",
    "birth": {"precision": "year", "year": 1970},
    "father_name": "U Hla",
    "home_township": "MMR010001",
}


@pytest.fixture
def unit():
    return UnitFactory()


@pytest.fixture
def other_unit():
    return UnitFactory()


@pytest.fixture
def officer(unit):
    return UserFactory(unit=unit, roles=[Role.SCREENING_OFFICER])


def _case_with(unit, **fields):
    case = case_create(unit=unit)
    person_create(case, **fields)
    return case


def test_a_double_registration_in_another_unit_shows_code_unit_and_reasons_only(
    unit, other_unit, officer
):
    newcomer = _case_with(unit, **NEWCOMER)
    earlier = _case_with(other_unit, **EARLIER)
    _case_with(other_unit, **STRANGER)

    screening = screening_selectors.case_screening(user=officer, case=newcomer)

    assert [m.case.pk for m in screening.matches] == [earlier.pk]
    match = screening.matches[0]
    assert not match.visible
    assert match.name == ""
    assert match.case.unit == other_unit
    assert "NRC" in match.explanation


def test_a_match_in_the_users_own_unit_shows_the_name(unit, officer):
    newcomer = _case_with(unit, **NEWCOMER)
    _case_with(unit, **EARLIER)
    (match,) = screening_selectors.case_screening(user=officer, case=newcomer).matches
    assert match.visible
    assert match.name == "ကျော်ဇင်ထွန်း"


def test_the_case_never_matches_itself_and_a_person_without_record_has_no_matches(unit, officer):
    alone = _case_with(unit, **NEWCOMER)
    assert screening_selectors.case_screening(user=officer, case=alone).matches == []
    empty = case_create(unit=unit)
    screening = screening_selectors.case_screening(user=officer, case=empty)
    assert not screening.has_person
    assert screening.matches == []


def test_an_edit_after_the_index_was_built_is_screened_with_the_new_values(
    unit, other_unit, officer
):
    newcomer = _case_with(unit, **NEWCOMER)
    other = _case_with(other_unit, **STRANGER)
    assert screening_selectors.case_screening(user=officer, case=newcomer).matches == []
    person = Person.objects.get(case=other)
    for name, value in EARLIER.items():
        setattr(person, name, value)
    person.save()
    assert [
        m.case.pk for m in screening_selectors.case_screening(user=officer, case=newcomer).matches
    ] == [other.pk]
    assert len(screening_index()) == 2  # replaced, not added twice


def test_a_shredded_case_is_no_longer_a_match(unit, other_unit, officer):
    newcomer = _case_with(unit, **NEWCOMER)
    earlier = _case_with(other_unit, **EARLIER)
    assert screening_selectors.case_screening(user=officer, case=newcomer).matches
    data_key_shred(data_key=earlier.data_key)
    assert screening_selectors.case_screening(user=officer, case=newcomer).matches == []


def test_a_phone_written_another_way_with_a_name_variant_is_found(unit, other_unit, officer):
    newcomer = _case_with(unit, **{**NEWCOMER, "nrc": ""})
    phone_add(Person.objects.get(case=newcomer), "+959420000777")
    earlier = _case_with(other_unit, **{**EARLIER, "nrc": ""})
    phone_add(Person.objects.get(case=earlier), "09420000777")
    (match,) = screening_selectors.case_screening(user=officer, case=newcomer).matches
    assert match.case.pk == earlier.pk
    assert "phone" in match.explanation


def test_a_second_phone_and_an_alias_are_screened(unit, other_unit, officer):
    newcomer = _case_with(unit, **{**STRANGER, "nrc": "", "aliases": []})
    person = Person.objects.get(case=newcomer)
    phone_add(person, "09420000111")
    phone_add(person, "09420000777")
    earlier = _case_with(
        other_unit,
        **{**EARLIER, "nrc": "", "father_name": "", "aliases": ["Thida Myint"], "birth": None},
    )
    phone_add(Person.objects.get(case=earlier), "+959420000777")
    (match,) = screening_selectors.case_screening(user=officer, case=newcomer).matches
    assert match.case.pk == earlier.pk
    assert "phone" in match.explanation
    assert match.score >= 5.0 + 2.0  # the shared phone and the alias as a name


# ----------------------------------------------------------------- decide ----


def test_decision_is_recorded_on_the_timeline_and_audited(unit, officer):
    case = _case_with(unit, **NEWCOMER)
    decision = screening_services.screening_decide(
        actor=officer,
        case=case,
        outcome="flagged",
        reasons="same NRC as a case elsewhere",
        expected_version=case.version,
    )
    assert decision.event.kind == EventKind.SCREENING_FLAGGED
    assert CaseEvent.objects.get(pk=decision.event.pk).body == "same NRC as a case elsewhere"
    event = AuditEvent.objects.get(action="cases.screening_decided")
    assert event.details == {"outcome": "flagged"}
    assert not screening_selectors.case_screening(user=officer, case=case).stale


def test_a_later_change_to_the_person_makes_the_decision_stale(unit, officer):
    case = _case_with(unit, **NEWCOMER)
    screening_services.screening_decide(
        actor=officer, case=case, outcome="cleared", reasons="no match"
    )
    person = Person.objects.get(case=case)
    person.father_name = "U Ba Sein Oo"
    person.save()
    assert screening_selectors.case_screening(user=officer, case=case).stale


@pytest.mark.parametrize(
    ("outcome", "reasons"),
    [("approved", "fine"), ("cleared", ""), ("cleared", "   "), ("", "x")],
)
def test_bad_decisions_are_refused_and_nothing_is_written(unit, officer, outcome, reasons):
    case = _case_with(unit, **NEWCOMER)
    with pytest.raises(ValidationError):
        screening_services.screening_decide(
            actor=officer, case=case, outcome=outcome, reasons=reasons
        )
    assert not ScreeningDecision.objects.exists()
    assert not AuditEvent.objects.filter(action="cases.screening_decided").exists()


def test_only_a_screening_officer_of_the_unit_decides(unit, other_unit):
    case = _case_with(unit, **NEWCOMER)
    for user in (
        UserFactory(unit=unit, roles=[Role.UNIT_HANDLER]),
        UserFactory(unit=other_unit, roles=[Role.SCREENING_OFFICER]),
    ):
        with pytest.raises(PermissionDenied):
            screening_services.screening_decide(
                actor=user, case=case, outcome="cleared", reasons="x"
            )
    assert not ScreeningDecision.objects.exists()


def test_no_decision_without_a_person(unit, officer):
    case = case_create(unit=unit)
    with pytest.raises(ValidationError):
        screening_services.screening_decide(
            actor=officer, case=case, outcome="cleared", reasons="x"
        )


def test_a_stale_form_is_refused(unit, officer):
    case = _case_with(unit, **NEWCOMER)
    with pytest.raises(services.StaleCase):
        screening_services.screening_decide(
            actor=officer,
            case=case,
            outcome="cleared",
            reasons="x",
            expected_version=case.version + 1,
        )
    assert not ScreeningDecision.objects.exists()


# ------------------------------------------------------------------ pages ----


def test_panel_page_audits_the_look_and_the_surfaced_case(client, unit, other_unit, officer):
    newcomer = _case_with(unit, **NEWCOMER)
    earlier = _case_with(other_unit, **EARLIER)
    sign_in(client, officer)
    response = client.get(reverse("cases:screening", kwargs={"code": newcomer.code}))
    assert response.status_code == 200
    body = response.content.decode()
    assert earlier.code in body
    assert other_unit.name in body
    assert "ကျော်ဇင်ထွန်း" not in body
    assert f'href="/cases/{earlier.code}/"' not in body
    look = AuditEvent.objects.get(action="cases.viewed", target_id=str(newcomer.pk))
    assert look.details["purpose"] == "screening_panel"
    surfaced = AuditEvent.objects.get(action="cases.screening_surfaced")
    assert surfaced.target_id == str(earlier.pk)
    assert surfaced.details == {"screened_case": newcomer.pk}


def test_decision_form_posts_and_redirects_back_to_the_panel(client, unit, officer):
    case = _case_with(unit, **NEWCOMER)
    sign_in(client, officer)
    url = reverse("cases:screening_decide", kwargs={"code": case.code})
    response = client.post(
        url, {"outcome": "cleared", "reasons": "checked", "expected_version": case.version}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:screening", kwargs={"code": case.code})
    page = client.get(response["Location"]).content.decode()
    assert "checked" in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"outcome": "cleared", "reasons": "", "expected_version": "0"},
        {"outcome": "maybe", "reasons": "x", "expected_version": "0"},
        {"outcome": "cleared", "reasons": "x" * 4001, "expected_version": "0"},
        {"outcome": "cleared", "reasons": "x", "expected_version": "-1"},
        {"outcome": "cleared", "reasons": "x", "expected_version": "99"},
        {"outcome": "cleared", "reasons": "\x00", "expected_version": "0"},
    ],
)
def test_hostile_decision_posts_get_a_form_error_never_a_500(client, unit, officer, data):
    case = _case_with(unit, **NEWCOMER)
    sign_in(client, officer)
    response = client.post(reverse("cases:screening_decide", kwargs={"code": case.code}), data)
    assert response.status_code == 400
    assert not ScreeningDecision.objects.exists()


def test_registering_a_person_leads_to_the_panel(client, unit):
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    case = case_create(unit=unit)
    sign_in(client, handler)
    response = client.post(
        reverse("cases:person_edit", kwargs={"code": case.code}),
        {"name_latin": "Kyaw Zin Htun", "expected_version": case.version},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:screening", kwargs={"code": case.code})


def test_the_screening_panel_warns_of_a_hit_and_audits_it(client):
    list_with(keeper(), "name,nrc", "Kyaw Zin Htun,12/LAMANA(N)654321")
    unit = UnitFactory()
    officer = UserFactory(unit=unit, roles=[Role.SCREENING_OFFICER])
    case = case_create(unit=unit)
    person_create(case, name_latin="Kyaw Zin Htun", name_my="", nrc="12/LAMANA(N)654321")
    sign_in(client, officer)
    body = client.get(reverse("cases:screening", kwargs={"code": case.code})).content.decode()
    assert "Known informants" in body
    assert "looks like someone on a watch-list" in body
    shown = AuditEvent.objects.get(action="watchlists.hit_shown")
    assert shown.details["screened_case"] == case.pk
    assert shown.details["entry_shown"] is False


def test_the_index_is_dropped_when_the_key_ring_locks(unit, officer):
    from safepassage.cases.screening import index as case_screening
    from safepassage.vault import keyring
    from safepassage.watchlists import matching

    newcomer = _case_with(unit, **NEWCOMER)
    screening_selectors.case_screening(user=officer, case=newcomer)
    assert case_screening._people.indexed is not None
    assert matching._entries.index is not None
    keyring.lock()
    try:
        assert case_screening._people.indexed is None
        assert matching._entries.index is None
    finally:
        from django.conf import settings

        from conftest import TEST_PASSPHRASE

        keyring.unlock(TEST_PASSPHRASE, path=settings.VAULT_KEYRING_PATH)


def test_watch_list_hits_are_for_the_screened_person_not_for_its_last_match(unit, other_unit):
    """The panel once searched the lists with the record of the last match."""
    list_with(keeper(), "name,date_of_birth,phone", "Kyaw Zin Htun,1999-05-06,+959420000555")
    officer = UserFactory(unit=unit, roles=[Role.SCREENING_OFFICER])
    newcomer = _case_with(unit, **NEWCOMER)
    phone_add(Person.objects.get(case=newcomer), "+959420000555")
    _case_with(other_unit, **EARLIER)  # a match, born on another day, no phone
    screening = screening_selectors.case_screening(user=officer, case=newcomer)
    assert screening.matches
    assert [hit.watch_list.name for hit in screening.watch_hits] == ["Known informants"]
