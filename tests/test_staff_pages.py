"""The staff pages show administrators no case data (cross-app: accounts
cannot import cases)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    UnitFactory,
    UserFactory,
    sign_in,
)
from safepassage.cases.tests.factories import case_create, person_create

pytestmark = pytest.mark.django_db


def test_the_staff_pages_show_no_case_data(client):
    sign_in(client, UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR]))
    unit = UnitFactory()
    member = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    case = case_create(unit=unit, summary="Summary secret ZQX")
    person_create(case, name_latin="Person Secret QZW")
    pages = [
        client.get(reverse("accounts:staff")),
        client.get(reverse("accounts:staff_member", kwargs={"pk": member.pk})),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert case.code not in html
        assert "ZQX" not in html
        assert "QZW" not in html
