"""Visibility: a unit sees its own cases; others see nothing and are audited."""

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.cases import selectors, services
from safepassage.cases.tests.factories import case_create, handler_in, person_create, phone_add

pytestmark = pytest.mark.django_db


def test_each_unit_sees_only_its_cases():
    a, b = UnitFactory(), UnitFactory()
    case_a, case_b = case_create(unit=a), case_create(unit=b)
    assert list(selectors.cases_visible_to(handler_in(a))) == [case_a]
    assert list(selectors.cases_visible_to(handler_in(b))) == [case_b]


@pytest.mark.parametrize("roles", [[Role.ANALYST], [Role.ADMINISTRATOR], []])
def test_roles_without_case_access_see_nothing(roles):
    unit = UnitFactory()
    case_create(unit=unit)
    user = UserFactory(unit=unit, roles=roles)
    assert not selectors.cases_visible_to(user).exists()


def test_inactive_users_see_nothing():
    unit = UnitFactory()
    case_create(unit=unit)
    user = handler_in(unit)
    user.is_active = False
    assert not selectors.cases_visible_to(user).exists()


def test_case_get_for_user_refuses_other_units_and_audits_it():
    case = case_create(unit=UnitFactory())
    stranger = handler_in(UnitFactory())
    with pytest.raises(selectors.CaseNotFound):
        selectors.case_get_for_user(user=stranger, code=case.code)
    event = AuditEvent.objects.get(action="cases.access_refused")
    assert event.target_id == str(case.pk)
    assert event.actor_id == stranger.pk


@pytest.mark.parametrize("code", ["", "SP-0000-0000", "nonsense", "x" * 500, "SP-\x00"])
def test_bad_codes_are_not_found_and_not_audited(code):
    with pytest.raises(selectors.CaseNotFound):
        selectors.case_get_for_user(user=handler_in(UnitFactory()), code=code)
    assert not AuditEvent.objects.filter(action="cases.access_refused").exists()


def test_case_get_for_user_accepts_typed_variants_of_the_code():
    unit = UnitFactory()
    case = case_create(unit=unit)
    typed = case.code.lower().replace("-", " ")
    assert selectors.case_get_for_user(user=handler_in(unit), code=typed) == case


def test_search_by_nrc_in_any_script_finds_only_visible_cases():
    unit = UnitFactory()
    mine = case_create(unit=unit)
    person_create(mine, nrc="12/မရက(နိုင်)123456")
    theirs = case_create(unit=UnitFactory())
    person_create(theirs, nrc="12/မရက(နိုင်)123456")
    handler = handler_in(unit)
    for typed in ("12/MaYaKa(N)123456", "၁၂/မရက(နိုင်)၁၂၃၄၅၆", "12/မရက(နိုင်)123456"):
        assert selectors.cases_find_by_nrc(user=handler, nrc=typed) == [mine]


def test_search_by_service_number():
    unit = UnitFactory()
    case = case_create(unit=unit)
    case.service.service_number = "BA-123456"
    case.service.save()
    handler = handler_in(unit)
    assert selectors.cases_find_by_service_number(user=handler, service_number="ba-123456") == [
        case
    ]
    assert selectors.cases_find_by_service_number(user=handler, service_number="BA-1") == []


def test_incoming_transfers_show_offers_to_the_receiving_unit_only():
    sender, receiver = UnitFactory(), UnitFactory()
    case = case_create(unit=sender)
    services.case_transfer_request(actor=handler_in(sender), case=case, to_unit=receiver)
    assert [t.case for t in selectors.transfers_incoming_for(handler_in(receiver))] == [case]
    assert not selectors.transfers_incoming_for(handler_in(sender)).exists()
    assert not selectors.cases_visible_to(handler_in(receiver)).exists()


def test_search_by_phone_in_any_typing():
    unit = UnitFactory()
    case = case_create(unit=unit)
    phone_add(person_create(case), "+959420000123")
    found = selectors.cases_find_by_phone(user=handler_in(unit), phone="09 420 000 123")
    assert found == [case]
