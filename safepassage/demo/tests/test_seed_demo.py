"""seed_demo: every role in at least two units, re-runnable, logins printed."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_every_role_is_held_in_at_least_two_units(capsys):
    call_command("seed_demo")
    units_per_role: dict[str, set[int]] = defaultdict(set)
    for user in User.objects.prefetch_related("groups"):
        for group in user.groups.all():
            units_per_role[group.name].add(user.unit_id)
    for role in Role.values:
        assert len(units_per_role[role]) >= 2, role
    out = capsys.readouterr().out
    assert "hq.intake" in out
    assert "Password for every demo account" in out


def test_every_demo_user_has_a_confirmed_authenticator_and_a_usable_password():
    call_command("seed_demo", "--quiet")
    for user in User.objects.all():
        assert user.has_usable_password()
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_seeding_twice_changes_nothing():
    call_command("seed_demo", "--quiet")
    users = set(User.objects.values_list("username", "password"))
    secrets = set(TOTPDevice.objects.values_list("key", flat=True))
    call_command("seed_demo", "--quiet")
    assert set(User.objects.values_list("username", "password")) == users
    assert set(TOTPDevice.objects.values_list("key", flat=True)) == secrets


def test_seed_demo_with_a_locked_vault_is_a_clear_error(locked_vault):
    with pytest.raises(CommandError, match="locked"):
        call_command("seed_demo", "--quiet")
    assert not User.objects.exists()


def test_demo_totp_refuses_outside_local_settings():
    call_command("seed_demo", "--quiet")
    with pytest.raises(CommandError, match="local"):
        call_command("demo_totp", "hq.intake")
