"""The place admin is readable by administrators and writable by nobody."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.geo.models import Township

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    sign_in(client, UserFactory(roles=[Role.ADMINISTRATOR]))
    return client


def test_administrators_list_and_search_townships(admin_client: Client) -> None:
    url = reverse("admin:geo_township_changelist")
    response = admin_client.get(url, {"q": "Hlaingtharya"})
    assert response.status_code == 200
    assert "MMR013008" in response.content.decode()


def test_a_township_page_is_read_only(admin_client: Client) -> None:
    url = reverse("admin:geo_township_change", args=["MMR013008"])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"name_en": "Changed", "lat": "1", "lon": "1"})
    assert response.status_code == 403
    assert Township.objects.get(pk="MMR013008").name_en == "Hlaingtharya"


def test_townships_cannot_be_deleted(admin_client: Client) -> None:
    url = reverse("admin:geo_township_delete", args=["MMR013008"])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Township.objects.filter(pk="MMR013008").exists()


@pytest.mark.parametrize("role", [Role.INTAKE_OPERATOR, Role.ANALYST])
def test_other_roles_are_refused(client: Client, role: Role) -> None:
    sign_in(client, UserFactory(roles=[role]))
    assert client.get(reverse("admin:geo_township_changelist")).status_code == 403
