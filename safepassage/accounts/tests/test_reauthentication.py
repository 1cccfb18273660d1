"""Changing the second factor needs the password again (issue 18 §8).

The attack: someone at a signed-in session (a laptop left open, or
seized with its session) makes new backup codes, replaces the
authenticator or adds a passkey, and so owns the account's second
factor. Each now needs the password typed in this session within
REAUTH_WINDOW_SECONDS; asking, confirming and failing are audited.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from safepassage.accounts.models import BackupCode, TOTPDevice, backup_code_digest

from .factories import (
    DEFAULT_PASSWORD,
    UserFactory,
    backup_codes_for,
    password_just_given,
    sign_in,
    totp_code,
)

pytestmark = pytest.mark.django_db

BACKUP = reverse("accounts:backup_codes")
ENROL = reverse("accounts:enrol_totp")
CONFIRM = reverse("accounts:confirm_password")
PASSKEYS = reverse("accounts:passkeys")
BEGIN_REGISTRATION = reverse("otp_webauthn:credential-registration-begin")


def _old_session(client: Client):
    user = UserFactory()
    device = sign_in(client, user)
    password_just_given(client, seconds_ago=10 * 60)  # signed in ten minutes ago
    return user, device


def test_an_open_session_cannot_make_new_backup_codes(client: Client, audit_spy) -> None:
    user, _ = _old_session(client)
    backup_codes_for(user, ["oldcode1"])
    response = client.post(BACKUP)
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next={BACKUP.replace('/', '%2F')}"
    digests = list(BackupCode.objects.filter(device__user=user).values_list("digest", flat=True))
    assert digests == [backup_code_digest(user_id=user.pk, code="oldcode1")]
    assert "accounts.backup_codes_generated" not in audit_spy.actions()
    assert "accounts.password_confirmation_asked" in audit_spy.actions()


def test_an_open_session_cannot_replace_the_authenticator(client: Client) -> None:
    user, old = _old_session(client)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(CONFIRM)
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()  # no secret shown
    # Posting a code for a device made some other way does not help either.
    pending = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    response = client.post(ENROL, {"otp_token": totp_code(pending)})
    assert response["Location"].startswith(CONFIRM)
    pending.refresh_from_db()
    assert not pending.confirmed
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()


def test_an_open_session_cannot_register_a_passkey(client: Client, audit_spy) -> None:
    _old_session(client)
    assert client.get(PASSKEYS)["Location"].startswith(CONFIRM)
    response = client.post(BEGIN_REGISTRATION)
    assert response.status_code == 403
    event = audit_spy.last("accounts.permission_denied")
    assert event["details"]["reason"] == "password_not_recent"


def test_the_password_typed_again_opens_the_change_for_a_few_minutes(
    client: Client, audit_spy
) -> None:
    user, old = _old_session(client)
    page = client.get(CONFIRM, {"next": ENROL})
    assert page.status_code == 200
    response = client.post(CONFIRM, {"password": DEFAULT_PASSWORD, "next": ENROL})
    assert response.status_code == 302
    assert response["Location"] == ENROL
    assert "accounts.password_confirmed" in audit_spy.actions()
    codes = client.post(BACKUP)
    assert codes.status_code == 200
    assert len(codes.context["codes"]) == 10
    assert client.get(ENROL).status_code == 200
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(ENROL, {"otp_token": totp_code(new)}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_the_window_closes(client: Client) -> None:
    _old_session(client)
    password_just_given(client, seconds_ago=5 * 60 + 5)
    assert client.post(BACKUP).status_code == 302
    password_just_given(client, seconds_ago=60)
    assert client.post(BACKUP).status_code == 200


def test_a_wrong_password_is_refused_and_audited(client: Client, audit_spy) -> None:
    _old_session(client)
    response = client.post(CONFIRM, {"password": "not the password", "next": BACKUP})
    assert response.status_code == 400
    assert "accounts.password_confirmation_failed" in audit_spy.actions()
    assert client.post(BACKUP).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_guessing_the_password_at_an_open_session_ends_it(client: Client, audit_spy) -> None:
    _old_session(client)
    for _ in range(3):
        client.post(CONFIRM, {"password": "guess"})
    assert "accounts.locked_out" in audit_spy.actions()
    # Signed out: the page now wants a sign-in.
    assert client.get(reverse("accounts:account"))["Location"].startswith(reverse("accounts:login"))


def test_the_next_page_is_only_ever_on_this_site(client: Client) -> None:
    _old_session(client)
    response = client.post(CONFIRM, {"password": DEFAULT_PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:account")


def test_signing_in_with_the_password_counts_as_recent(client: Client) -> None:
    """Right after sign-in (password, then code) the first backup codes need
    no second typing: the password was just given in this session."""
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    login = {"username": user.username, "password": DEFAULT_PASSWORD}
    client.post(reverse("accounts:login"), login)
    client.post(reverse("accounts:verify"), {"otp_token": totp_code(device)})
    assert client.post(BACKUP).status_code == 200
