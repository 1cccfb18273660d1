from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from safepassage.accounts.models import TOTPDevice, User

from .factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_create_staff_user_prints_a_provisioning_secret() -> None:
    UnitFactory(name="Battalion 7")
    out = io.StringIO()
    call_command(
        "create_staff_user", "b7.handler", unit="Battalion 7", role=["unit_handler"], stdout=out
    )
    user = User.objects.get(username="b7.handler")
    assert user.role_set() == {"unit_handler"}
    assert TOTPDevice.objects.get(user=user).confirmed
    text = out.getvalue()
    assert "Authenticator key:" in text
    assert "otpauth://totp/" in text
    assert "b7.handler" not in text.split("Authenticator URI:")[1]


def test_create_staff_user_refuses_an_unknown_unit() -> None:
    with pytest.raises(CommandError):
        call_command("create_staff_user", "x", unit="Nowhere", stdout=io.StringIO())
