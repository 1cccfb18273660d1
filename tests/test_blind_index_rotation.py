"""Staff lookups by phone, NRC and service number survive a blind-index rotation."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from conftest import TEST_PASSPHRASE
from safepassage.accounts.tests.factories import UnitFactory, UserFactory
from safepassage.cases import selectors, services
from safepassage.cases.models import Person, ServiceRecord
from safepassage.cases.tests.factories import person_create, phone_add
from safepassage.vault import keyring

pytestmark = pytest.mark.django_db


def test_case_lookups_find_the_same_cases_after_rotation(tmp_path: Path) -> None:
    unit = UnitFactory()
    handler = UserFactory(unit=unit, roles=["unit_handler"])
    case = services.case_open(actor=handler, unit=unit, summary="")
    person = person_create(case, nrc="12/OUKAMA(N)123456")
    phone_add(person, "09 420 000 123")
    ServiceRecord.objects.filter(case=case).delete()
    ServiceRecord.objects.create(case=case, data_key=case.data_key, service_number="BA-123456")
    old_nrc_index = Person.objects.get(pk=person.pk).nrc_index
    master_before = keyring.blind_index_secrets()[0]

    passphrase = tmp_path / "pass"
    passphrase.write_text(TEST_PASSPHRASE + "\n")
    call_command("rotate_keys", "--passphrase-file", str(passphrase), stdout=StringIO())

    assert keyring.blind_index_secrets()[0] != master_before
    assert Person.objects.get(pk=person.pk).nrc_index != old_nrc_index
    assert selectors.cases_find_by_phone(user=handler, phone="+959420000123") == [case]
    assert selectors.cases_find_by_nrc(user=handler, nrc="12/OUKAMA(N)123456") == [case]
    assert selectors.cases_find_by_service_number(user=handler, service_number="BA-123456") == [
        case
    ]
