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

from .factories import HeadquartersFactory, UnitFactory, UserFactory, sign_in

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
    assert event["details"]["policy"] == "roles"
    assert event["details"]["roles"] == ["administrator"]


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
    administrator = UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR])
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
    sign_in(client, UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR]))
    parent = UnitFactory()
    response = client.post(
        reverse("admin:accounts_unit_add"),
        {"name": "New team", "kind": "security_team", "parent": parent.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assert "accounts.unit_created" in audit_spy.actions()


# --- A unit's administrator acts on its own unit only (issue 18 §3) -------


@pytest.fixture
def battalion_admin(client: Client):
    """Signed in: the administrator of a battalion."""
    user = UserFactory(unit=UnitFactory(name="Battalion 7"), roles=[Role.ADMINISTRATOR])
    sign_in(client, user)
    return user


def test_a_battalion_administrator_cannot_deactivate_another_units_caseworker(
    client: Client, battalion_admin, audit_spy
) -> None:
    other = UserFactory(unit=UnitFactory(name="Battalion 9"), roles=[Role.CASEWORKER])
    own = UserFactory(unit=battalion_admin.unit, roles=[Role.CASEWORKER])
    for action in ("deactivate", "end_sessions"):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": action, "_selected_action": [own.pk, other.pk]},
        )
        assert response.status_code == 403
        assert audit_spy.last("accounts.permission_denied")["details"]["reason"] == "other_unit"
    other.refresh_from_db()
    own.refresh_from_db()
    assert other.is_active
    assert other.session_epoch == 0
    assert own.is_active  # refused whole, not in part
    assert own.session_epoch == 0
    # "Select all" acts on the administrator's own unit only.
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "select_across": "1", "_selected_action": [own.pk]},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    other.refresh_from_db()
    assert not own.is_active
    assert other.is_active


def test_a_battalion_administrator_lists_its_own_staff_only(
    client: Client, battalion_admin
) -> None:
    other = UserFactory(username="elsewhere-7", unit=UnitFactory(name="Battalion 9"))
    headquarters = UserFactory(username="hq-analyst", unit=HeadquartersFactory())
    own = UserFactory(username="own-member", unit=battalion_admin.unit)
    body = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert own.username in body
    assert other.username not in body
    assert headquarters.username not in body
    assert "Battalion 9" not in body  # no unit filter listing every unit
    searched = client.get(reverse("admin:accounts_user_changelist"), {"q": "hq"})
    assert headquarters.username not in searched.content.decode()
    page = client.get(reverse("admin:accounts_user_change", args=[other.pk]))
    assert page.status_code == 403
    units = client.get(reverse("admin:accounts_unit_changelist"))
    assert list(units.context["cl"].result_list) == [battalion_admin.unit]


def test_a_battalion_administrator_cannot_change_or_add_units(
    client: Client, battalion_admin
) -> None:
    own = battalion_admin.unit
    response = client.post(
        reverse("admin:accounts_unit_change", args=[own.pk]),
        {"name": own.name, "kind": "headquarters", "is_active": "on"},
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert not own.is_headquarters
    assert client.get(reverse("admin:accounts_unit_add")).status_code == 403


def test_headquarters_administrators_act_across_units(client: Client, audit_spy) -> None:
    sign_in(client, UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR]))
    other = UserFactory(unit=UnitFactory(name="Battalion 9"))
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [other.pk]},
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert not other.is_active


def test_choices_offer_a_battalion_administrator_its_unit_and_grantable_roles(
    rf, battalion_admin
) -> None:
    from django.contrib.auth.models import Group

    from safepassage.accounts.admin import UserAdmin
    from safepassage.accounts.models import User

    UnitFactory(name="Battalion 9")
    HeadquartersFactory()
    request = rf.get("/admin/")
    request.user = battalion_admin
    model_admin = UserAdmin(User, admin.site)
    unit_field = model_admin.formfield_for_foreignkey(User._meta.get_field("unit"), request)
    assert list(unit_field.queryset) == [battalion_admin.unit]
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    groups = model_admin.formfield_for_manytomany(User._meta.get_field("groups"), request)
    names = set(groups.queryset.values_list("name", flat=True))
    assert Role.ADMINISTRATOR.value not in names
    assert Role.CASEWORKER.value in names
