"""The admin is for verified administrators only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from safepassage.accounts.admin_site import SafePassageAdminSite
from safepassage.accounts.models import BackupCode, BackupCodeDevice, TOTPDevice
from safepassage.accounts.roles import Role

from .factories import UnitFactory, UserFactory, sign_in

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def test_the_default_admin_site_is_ours() -> None:
    assert isinstance(admin.site, SafePassageAdminSite)


def test_a_verified_administrator_gets_in(client: Client) -> None:
    sign_in(client, UserFactory(roles=[Role.ADMINISTRATOR]))
    assert client.get(INDEX).status_code == 200
    assert client.get(reverse("admin:accounts_unit_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_an_administrator_without_second_factor_is_sent_to_verify(client: Client) -> None:
    sign_in(client, UserFactory(roles=[Role.ADMINISTRATOR]), verified=False)
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR])
def test_other_roles_are_refused(client: Client, role: Role, audit_spy) -> None:
    sign_in(client, UserFactory(roles=[role]))
    assert client.get(INDEX).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    event = audit_spy.last("accounts.permission_denied")
    assert event["details"]["policy"] == "roles:administrator"


def test_django_staff_flags_do_not_open_the_admin(client: Client) -> None:
    sign_in(client, UserFactory(is_staff=True, is_superuser=True))
    assert client.get(INDEX).status_code == 403


def test_admin_login_page_only_redirects_to_ours(client: Client) -> None:
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_is_sent_to_our_login(client: Client) -> None:
    response = client.get(INDEX)
    assert response.status_code == 302
    assert (
        reverse("accounts:login") in response["Location"]
        or reverse("admin:login") in response["Location"]
    )


def test_secrets_and_role_groups_are_not_in_the_admin() -> None:
    for model in (TOTPDevice, BackupCodeDevice, BackupCode, Group):
        assert not admin.site.is_registered(model)


def test_users_are_read_only_and_deactivated_through_the_service(client: Client, audit_spy) -> None:
    administrator = UserFactory(roles=[Role.ADMINISTRATOR])
    target = UserFactory()
    sign_in(client, administrator)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [target.pk, administrator.pk]},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    administrator.refresh_from_db()
    assert not target.is_active
    assert target.session_epoch == 1
    assert administrator.is_active  # never oneself
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403


def test_units_are_created_through_the_service(client: Client, audit_spy) -> None:
    sign_in(client, UserFactory(roles=[Role.ADMINISTRATOR]))
    parent = UnitFactory()
    response = client.post(
        reverse("admin:accounts_unit_add"),
        {"name": "New team", "kind": "security_team", "parent": parent.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assert "accounts.unit_created" in audit_spy.actions()
