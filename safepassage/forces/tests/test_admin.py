"""The unit directory admin: administrators only, every save through the services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    UnitFactory,
    UserFactory,
    sign_in,
)
from safepassage.forces.models import UnitCoverage, UnitProfile

from .factories import reception_unit

pytestmark = pytest.mark.django_db

ADD = reverse("admin:forces_unitprofile_add")


@pytest.fixture
def admin_client(client: Client) -> Client:
    sign_in(client, UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR]))
    return client


def test_an_administrator_adds_a_unit_to_the_directory(admin_client: Client, audit_spy) -> None:
    unit = UnitFactory()
    response = admin_client.post(
        ADD,
        {"unit": unit.pk, "base_township": "MMR013008", "coverage": ["MMR013008", "MMR013004"]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert UnitProfile.objects.get(unit=unit).base_township_id == "MMR013008"
    assert set(UnitCoverage.objects.filter(unit=unit).values_list("township_id", flat=True)) == {
        "MMR013008",
        "MMR013004",
    }
    assert {"forces.unit_profile_set", "forces.unit_coverage_set"} <= set(audit_spy.actions())


def test_an_administrator_changes_coverage(admin_client: Client, audit_spy) -> None:
    unit = reception_unit("Battalion X", "Bago", covers=("Bago",))
    url = reverse("admin:forces_unitprofile_change", args=[unit.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    response = admin_client.post(url, {"base_township": "MMR007001", "coverage": ["MMR007002"]})
    assert response.status_code == 302
    assert list(UnitCoverage.objects.filter(unit=unit).values_list("township_id", flat=True)) == [
        "MMR007002"
    ]
    assert audit_spy.last("forces.unit_coverage_set")["details"] == {
        "added": 1,
        "removed": 1,
        "total": 1,
    }


def test_headquarters_cannot_be_added(admin_client: Client) -> None:
    hq = HeadquartersFactory()
    response = admin_client.post(ADD, {"unit": hq.pk, "base_township": "MMR013008"})
    assert response.status_code == 200  # the form shows the error
    assert not UnitProfile.objects.filter(unit=hq).exists()


def test_the_list_shows_units_and_coverage_counts(admin_client: Client) -> None:
    reception_unit("Battalion Y", "Bago", covers=("Bago", "Kawa"))
    response = admin_client.get(reverse("admin:forces_unitprofile_changelist"))
    assert response.status_code == 200
    assert "Battalion Y" in response.content.decode()


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR])
def test_other_roles_are_refused(client: Client, role: Role) -> None:
    sign_in(client, UserFactory(roles=[role]))
    assert client.get(reverse("admin:forces_unitprofile_changelist")).status_code == 403
    assert client.post(ADD, {"unit": UnitFactory().pk}).status_code == 403
