"""Every role signs in to a home page whose links all open: a link that
answers 403 or 404 is a dead link."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    UnitFactory,
    UserFactory,
    sign_in,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("at_headquarters", [True, False], ids=["headquarters", "unit"])
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_link_on_a_roles_home_page_opens(client, role, at_headquarters):
    unit = HeadquartersFactory() if at_headquarters else UnitFactory()
    sign_in(client, UserFactory(unit=unit, roles=[role]))
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    links = set(re.findall(r'<a href="(/[^"]*)"', home.content.decode()))
    links -= {"/"}
    assert links, "a home page without any link"
    for link in sorted(links):
        response = client.get(link)
        assert response.status_code in (200, 302), (
            f"{role} at {unit}: {link} {response.status_code}"
        )
