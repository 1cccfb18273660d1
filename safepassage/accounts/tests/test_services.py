"""safepassage/accounts/services.py"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from safepassage.accounts import services
from safepassage.accounts.models import BackupCode, TOTPDevice, UnitKind, backup_code_digest
from safepassage.accounts.roles import Role

from .factories import TOTPDeviceFactory, UnitFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def test_unit_create_derives_headquarters_from_kind(audit_spy) -> None:
    hq = services.unit_create(actor=None, name="HQ", kind=UnitKind.HEADQUARTERS)
    battalion = services.unit_create(actor=None, name="B1", kind=UnitKind.PDF_BATTALION, parent=hq)
    assert hq.is_headquarters
    assert not battalion.is_headquarters
    assert battalion.parent == hq
    assert audit_spy.actions() == ["accounts.unit_created", "accounts.unit_created"]


def test_there_is_only_one_headquarters() -> None:
    services.unit_create(actor=None, name="HQ", kind=UnitKind.HEADQUARTERS)
    with pytest.raises(ValidationError):
        services.unit_create(actor=None, name="HQ2", kind=UnitKind.HEADQUARTERS)


def test_unit_kind_must_be_known() -> None:
    with pytest.raises(ValidationError):
        services.unit_create(actor=None, name="X", kind="militia")


def test_unit_update_keeps_the_headquarters_flag_in_step() -> None:
    unit = UnitFactory()
    services.unit_update(
        actor=None,
        unit=unit,
        name="Renamed",
        kind=UnitKind.SECURITY_TEAM,
        parent=None,
        is_active=False,
    )
    unit.refresh_from_db()
    assert (unit.name, unit.kind, unit.is_active) == ("Renamed", UnitKind.SECURITY_TEAM, False)


def test_user_create_with_roles_and_password(audit_spy) -> None:
    unit = UnitFactory()
    user = services.user_create(
        actor=None,
        username="handler.b1",
        unit=unit,
        roles=[Role.UNIT_HANDLER, Role.CASEWORKER],
        password="a long passphrase nobody guesses",
    )
    assert user.role_set() == {Role.UNIT_HANDLER, Role.CASEWORKER}
    assert user.check_password("a long passphrase nobody guesses")
    event = audit_spy.last("accounts.user_created")
    assert event["details"] == {"roles": ["caseworker", "unit_handler"]}
    assert "handler.b1" not in repr(event["details"])


def test_user_create_without_password_cannot_sign_in() -> None:
    user = services.user_create(actor=None, username="nopass", unit=UnitFactory())
    assert not user.has_usable_password()


@pytest.mark.parametrize("password", ["short", "password1234", "123456789012345"])
def test_user_create_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(ValidationError):
        services.user_create(actor=None, username="weak", unit=UnitFactory(), password=password)


def test_user_create_refuses_unknown_roles_and_inactive_units() -> None:
    with pytest.raises(ValidationError):
        services.user_create(actor=None, username="x", unit=UnitFactory(), roles=["god"])
    with pytest.raises(ValidationError):
        services.user_create(actor=None, username="y", unit=UnitFactory(is_active=False))


def test_a_user_belongs_to_exactly_one_unit() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(unit=None)


def test_user_deactivate_bumps_the_epoch(audit_spy) -> None:
    user = UserFactory()
    before = user.session_epoch
    services.user_deactivate(actor=None, user=user)
    user.refresh_from_db()
    assert not user.is_active
    assert user.session_epoch == before + 1
    assert audit_spy.last("accounts.user_deactivated")["target"] == user


def test_user_set_roles_replaces_roles_and_bumps_the_epoch(audit_spy) -> None:
    user = UserFactory(roles=[Role.ANALYST])
    custom = Group.objects.create(name="not-a-role")
    user.groups.add(custom)
    services.user_set_roles(actor=None, user=user, roles=[Role.REWARD_OFFICER])
    user.refresh_from_db()
    assert user.role_set() == {Role.REWARD_OFFICER}
    assert custom in user.groups.all()
    assert user.session_epoch == 1
    event = audit_spy.last("accounts.roles_changed")
    assert event["details"] == {"before": ["analyst"], "after": ["reward_officer"]}


def test_inactive_users_hold_no_roles() -> None:
    user = UserFactory(roles=[Role.ADMINISTRATOR], is_active=False)
    assert not user.has_any_role([Role.ADMINISTRATOR])


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_totp_confirm_needs_a_valid_code_and_replaces_old_devices() -> None:
    user = UserFactory()
    old = TOTPDeviceFactory(user=user)
    pending = services.totp_device_start(user=user)
    assert services.totp_device_start(user=user) == pending
    assert not services.totp_device_confirm(user=user, device=pending, token="12345")
    assert services.totp_device_confirm(user=user, device=pending, token=totp_code(pending))
    assert list(TOTPDevice.objects.filter(user=user)) == [pending]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_totp_confirm_refuses_someone_elses_device() -> None:
    device = services.totp_device_start(user=UserFactory())
    assert not services.totp_device_confirm(
        user=UserFactory(), device=device, token=totp_code(device)
    )


def test_backup_codes_regenerate_makes_ten_and_cancels_old_ones(audit_spy) -> None:
    user = UserFactory()
    first = services.backup_codes_regenerate(user=user)
    second = services.backup_codes_regenerate(user=user)
    assert len(first) == len(set(first)) == 10
    assert set(BackupCode.objects.filter(device__user=user).values_list("digest", flat=True)) == {
        backup_code_digest(user_id=user.pk, code=code) for code in second
    }
    assert services.second_factor_check(user=user, token=first[0]) is None
    assert audit_spy.last("accounts.backup_codes_generated")["details"] == {"count": 10}


def test_a_backup_code_is_consumed_on_use() -> None:
    user = UserFactory()
    codes = services.backup_codes_regenerate(user=user)
    assert services.second_factor_check(user=user, token=codes[3]) is not None
    assert services.second_factor_check(user=user, token=codes[3]) is None


@pytest.mark.parametrize("token", ["", " ", "x" * 100, "12345678901234567", "-- --"])
def test_second_factor_check_refuses_junk(token: str) -> None:
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    assert services.second_factor_check(user=user, token=token) is None


# --- Scope of an administrator outside headquarters (issue 18 §3) ---------


def test_services_refuse_a_unit_administrator_acting_on_another_unit() -> None:
    from django.core.exceptions import PermissionDenied

    from .factories import HeadquartersFactory

    battalion = UnitFactory()
    actor = UserFactory(unit=battalion, roles=[Role.ADMINISTRATOR])
    other = UserFactory(unit=UnitFactory())
    own = UserFactory(unit=battalion)
    for call in (
        lambda: services.user_deactivate(actor=actor, user=other),
        lambda: services.user_end_sessions(actor=actor, user=other, reason="x"),
        lambda: services.user_set_roles(actor=actor, user=other, roles=[Role.CASEWORKER]),
        lambda: services.user_set_roles(actor=actor, user=own, roles=[Role.ADMINISTRATOR]),
        lambda: services.user_create(actor=actor, username="n1", unit=other.unit),
        lambda: services.user_create(
            actor=actor, username="n2", unit=battalion, roles=[Role.ADMINISTRATOR]
        ),
        lambda: services.totp_device_provision(actor=actor, user=other),
        lambda: services.unit_create(actor=actor, name="New", kind="security_team"),
        lambda: services.unit_set_active(actor=actor, unit=battalion, is_active=False),
        lambda: services.unit_update(
            actor=actor, unit=battalion, name="x", kind="headquarters", parent=None, is_active=True
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    other.refresh_from_db()
    assert other.is_active
    services.user_set_roles(actor=actor, user=own, roles=[Role.CASEWORKER])
    services.user_deactivate(actor=actor, user=own)
    headquarters = UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR])
    services.user_deactivate(actor=headquarters, user=other)
