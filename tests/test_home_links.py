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


def _panel_titles(html: str) -> list[str]:
    return re.findall(r'<section class="card home-panel">\s*<h2>([^<]*)</h2>', html)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_role_gets_its_own_panel_or_an_honest_coming_note(client, role):
    """A role is either served by a panel made for its work, or told its
    pages are coming: never left on a page that is someone else's."""
    from safepassage.core.homes import home_panels, roles_served

    user = UserFactory(unit=UnitFactory(), roles=[role])
    sign_in(client, user)
    home = client.get(reverse("core:home")).content.decode()
    request = client.get(reverse("core:home")).wsgi_request
    shown = home_panels(request)
    served = roles_served([s for s in shown if s.name != "safepassage.accounts.homes.coming"])
    titles = _panel_titles(home)
    if role.value in served:
        assert "Coming" not in titles, titles
    else:
        assert "Coming" in titles, titles


def test_an_account_without_a_role_is_told_whom_to_ask(client):
    sign_in(client, UserFactory(unit=UnitFactory(), roles=[]))
    home = client.get(reverse("core:home")).content.decode()
    assert "Nothing here yet" in home
    assert "administrator" in home


def test_the_analyst_lands_on_the_situation_picture_and_no_coming_note(client):
    sign_in(client, UserFactory(unit=UnitFactory(), roles=[Role.ANALYST]))
    home = client.get(reverse("core:home")).content.decode()
    titles = _panel_titles(home)
    assert "Situation picture" in titles
    assert "Coming" not in titles
    assert reverse("reports:dashboard") in home


@pytest.mark.parametrize(
    ("role", "title"),
    [
        (Role.PROTECTION_OFFICER, "Risk reviews"),
        (Role.CASEWORKER, "Reintegration: my work"),
        (Role.REWARD_OFFICER, "Rewards waiting"),
        (Role.REWARD_APPROVER, "Rewards waiting"),
    ],
)
def test_the_roles_whose_pages_landed_get_them_and_no_coming_note(client, role, title):
    sign_in(client, UserFactory(unit=UnitFactory(), roles=[role]))
    titles = _panel_titles(client.get(reverse("core:home")).content.decode())
    assert title in titles
    assert "Coming" not in titles


def test_a_handler_has_no_coming_note(client):
    sign_in(client, UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER]))
    home = client.get(reverse("core:home")).content.decode()
    assert "Coming" not in _panel_titles(home)
    assert "My unit&#x27;s cases" in home or "My unit's cases" in home


@pytest.mark.parametrize("role", [Role.REWARD_OFFICER, Role.REWARD_APPROVER])
def test_a_finance_role_gets_the_finance_panel_and_no_coming_note(client, role):
    sign_in(client, UserFactory(unit=UnitFactory(), roles=[role]))
    titles = _panel_titles(client.get(reverse("core:home")).content.decode())
    assert "Finance" in titles
    assert "Coming" not in titles
