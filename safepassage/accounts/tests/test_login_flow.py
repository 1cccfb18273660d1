"""Password, then second factor, then the page asked for."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from safepassage.accounts.forms import SIGN_IN_FAILED
from safepassage.accounts.models import TOTPDevice

from .factories import (
    DEFAULT_PASSWORD,
    TOTPDeviceFactory,
    UserFactory,
    backup_codes_for,
    password_just_given,
    sign_in,
    totp_code,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")
ENROL = reverse("accounts:enrol_totp")
HOME = reverse("core:home")


def _password(client: Client, username: str, password: str = DEFAULT_PASSWORD, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def _strip_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_full_sign_in_with_a_real_totp_code(client: Client, audit_spy) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)

    response = _password(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == VERIFY

    # Signed in with a password only: every staff page sends to verify.
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)

    response = client.post(VERIFY, {"otp_token": totp_code(device)})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert audit_spy.actions()[-1] == "accounts.login_succeeded"
    assert audit_spy.last("accounts.login_succeeded")["details"] == {"method": "totp"}


def test_next_survives_both_steps_and_is_kept_on_site(client: Client) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    response = _password(client, user.username, next="/accounts/")
    assert response["Location"] == VERIFY + "?next=%2Faccounts%2F"
    response = client.post(VERIFY + "?next=/accounts/", {"otp_token": totp_code(device)})
    assert response["Location"] == "/accounts/"


def test_next_pointing_off_site_is_ignored(client: Client) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    _password(client, user.username, next="https://evil.example/")
    response = client.post(VERIFY, {"otp_token": totp_code(device), "next": "//evil.example/"})
    assert response["Location"] == HOME


def test_session_key_changes_at_each_step(client: Client) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    client.get(LOGIN)
    _password(client, user.username)
    after_password = client.session.session_key
    client.post(VERIFY, {"otp_token": totp_code(device)})
    assert client.session.session_key != after_password


def test_wrong_totp_code_is_refused(client: Client, audit_spy) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    _password(client, user.username)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"otp_token": wrong})
    assert response.status_code == 403
    assert client.get(HOME).status_code == 302
    assert "accounts.second_factor_failed" in audit_spy.actions()


def test_a_totp_code_cannot_be_replayed(client: Client) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    code = totp_code(device)
    _password(client, user.username)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302

    other = Client()
    _password(other, user.username)
    assert other.post(VERIFY, {"otp_token": code}).status_code == 403


def test_a_replayed_totp_code_says_so_and_to_wait_for_the_next(client: Client, audit_spy) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    code = totp_code(device)
    _password(client, user.username)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302

    other = Client()
    _password(other, user.username)
    response = other.post(VERIFY, {"otp_token": code})
    assert response.status_code == 403
    assert "already been used" in response.content.decode()
    assert "next code" in response.content.decode()
    # Still a failure, counted like any other.
    assert audit_spy.last("accounts.second_factor_failed") is not None


def test_a_wrong_code_is_not_called_already_used(client: Client) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    code = totp_code(device)
    _password(client, user.username)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    other = Client()
    _password(other, user.username)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = other.post(VERIFY, {"otp_token": wrong})
    assert response.status_code == 403
    assert "already been used" not in response.content.decode()
    assert "not accepted" in response.content.decode()


@override_settings(OTP_STATIC_THROTTLE_FACTOR=0)  # retry at once after a failure
def test_backup_code_works_once(client: Client, audit_spy) -> None:
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    backup_codes_for(user, ["abcd2345", "efgh6789"])

    _password(client, user.username)
    response = client.post(VERIFY, {"otp_token": "ABCD 2345"})
    assert response.status_code == 302
    assert audit_spy.last("accounts.login_succeeded")["details"] == {"method": "backup_code"}

    second = Client()
    _password(second, user.username)
    assert second.post(VERIFY, {"otp_token": "abcd2345"}).status_code == 403
    assert second.post(VERIFY, {"otp_token": "efgh6789"}).status_code == 302


def test_a_user_without_authenticator_is_sent_to_enrolment(client: Client) -> None:
    user = UserFactory()
    response = _password(client, user.username)
    assert response["Location"] == ENROL
    assert client.get(HOME)["Location"].startswith(ENROL)
    assert client.get(VERIFY)["Location"].startswith(ENROL)


def test_enrolment_shows_qr_and_key_and_confirms_with_a_code(client: Client, audit_spy) -> None:
    user = UserFactory()
    _password(client, user.username)
    response = client.get(ENROL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert response.context["secret"].replace(" ", "") in body.replace(" ", "")
    assert user.username not in response.context["qr_data_uri"]

    # Reloading keeps the same pending device, so a scanned code stays valid.
    client.get(ENROL)
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(ENROL, {"otp_token": totp_code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:backup_codes")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    assert "accounts.totp_enrolled" in audit_spy.actions()


def test_enrolment_rejects_a_wrong_code(client: Client) -> None:
    user = UserFactory()
    _password(client, user.username)
    client.get(ENROL)
    response = client.post(ENROL, {"otp_token": "000000x"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get(HOME).status_code == 302


def test_the_password_alone_never_enrols_a_new_authenticator(client: Client) -> None:
    """Someone who knows only the password cannot replace the victim's app."""
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    _password(client, user.username)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    response = client.post(ENROL, {"otp_token": "123456"})
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_verified_user_can_replace_their_authenticator(client: Client) -> None:
    user = UserFactory()
    old = sign_in(client, user)
    password_just_given(client)
    assert client.get(ENROL).status_code == 200
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"otp_token": totp_code(new)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_backup_codes_page_shows_ten_codes_once(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    password_just_given(client)
    response = client.post(reverse("accounts:backup_codes"))
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    again = client.get(reverse("accounts:backup_codes"))
    assert again.context["codes"] is None
    assert all(code not in again.content.decode() for code in codes)
    assert again.context["remaining"] == 10


def test_logout_is_post_only(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == LOGIN
    assert client.get(HOME).status_code == 302


def test_logout_works_half_way_through_sign_in(client: Client) -> None:
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    _password(client, user.username)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(VERIFY).status_code == 302


def test_signed_in_user_visiting_login_is_sent_on(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    assert client.get(LOGIN)["Location"] == HOME


def test_inactive_user_cannot_sign_in(client: Client) -> None:
    user = UserFactory(is_active=False)
    response = _password(client, user.username)
    assert response.status_code == 403
    assert str(SIGN_IN_FAILED) in response.content.decode()


# --- Lock-out -----------------------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failure_and_lock_out_look_the_same_for_real_and_unknown_accounts(client: Client) -> None:
    user = UserFactory()
    responses = {}
    for name in (user.username, "nobody-by-this-name"):
        seen = []
        for _ in range(5):
            response = _password(Client(), name, "wrong password 123")
            seen.append((response.status_code, _strip_csrf(response.content.decode())))
        responses[name] = seen
    statuses = {status for seen in responses.values() for status, _ in seen}
    bodies = {body for seen in responses.values() for _, body in seen}
    assert statuses == {403}
    assert len(bodies) == 1
    assert str(SIGN_IN_FAILED) in bodies.pop()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_locked_account_refuses_the_right_password_with_the_same_page(
    client: Client, audit_spy
) -> None:
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    failed = _password(Client(), user.username, "wrong password 123")
    for _ in range(3):
        _password(Client(), user.username, "wrong password 123")
    response = _password(client, user.username)
    assert response.status_code == 403
    assert _strip_csrf(response.content.decode()) == _strip_csrf(failed.content.decode())
    assert client.get(VERIFY).status_code == 302  # not signed in
    assert "accounts.locked_out" in audit_spy.actions()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_second_factor_failures_count_towards_the_lock_out(client: Client) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    _password(client, user.username)
    for _ in range(2):
        assert client.post(VERIFY, {"otp_token": "000000"}).status_code == 403
    response = client.post(VERIFY, {"otp_token": "000000"})
    # The third failure locks: the half-signed-in session ends.
    assert response.status_code == 403
    assert str(SIGN_IN_FAILED) in response.content.decode()
    assert client.get(VERIFY)["Location"].startswith(LOGIN)
    # The right password and code no longer help, for the cool-off time.
    fresh = Client()
    assert _password(fresh, user.username).status_code == 403
    assert fresh.get(VERIFY).status_code == 302
    assert device.confirmed


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_successful_second_factor_clears_the_count(client: Client) -> None:
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    for _ in range(2):
        _password(Client(), user.username, "wrong password 123")
    _password(client, user.username)
    assert client.post(VERIFY, {"otp_token": totp_code(device)}).status_code == 302
    for _ in range(2):
        assert _password(Client(), user.username, "wrong password 123").status_code == 403
    assert _password(Client(), user.username).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_password_success_alone_does_not_clear_the_count(client: Client) -> None:
    """Otherwise each correct password would buy fresh guesses at the code."""
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    for _ in range(2):
        _password(Client(), user.username, "wrong password 123")
    _password(client, user.username)  # third attempt, succeeds: count stays at 2
    response = client.post(VERIFY, {"otp_token": "000000"})
    assert response.status_code == 403
    assert client.get(VERIFY)["Location"].startswith(LOGIN)


@override_settings(AXES_FAILURE_LIMIT=2, SAFEPASSAGE_LOCKOUT_IP_FAILURES=4)
def test_one_address_gets_a_higher_limit_across_usernames() -> None:
    users = [UserFactory() for _ in range(3)]
    TOTPDeviceFactory(user=users[2])
    # One failure each for two users from the same address: nobody locked.
    _password(Client(), users[0].username, "wrong password 123")
    _password(Client(), users[1].username, "wrong password 123")
    assert _password(Client(), users[2].username).status_code == 302
    # Two more failures from the address reach its limit of four.
    _password(Client(), "someone-else", "wrong password 123")
    _password(Client(), "and-another", "wrong password 123")
    assert _password(Client(), users[2].username).status_code == 403


# --- Hostile input never causes a 500 -------------------------------------

HOSTILE_VALUES = [
    "",
    " ",
    "x" * 100_000,
    "\x00",
    "\u202e\ufeff",
    "ð\x9f\x98\x80",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    "ဆရာ",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_login_never_errors_on_hostile_input(client: Client, value: str) -> None:
    response = client.post(LOGIN, {"username": value, "password": value, "next": value})
    assert response.status_code in (403, 400)


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_verify_and_enrol_never_error_on_hostile_input(client: Client, value: str) -> None:
    user = UserFactory()
    _password(client, user.username)
    assert client.post(ENROL, {"otp_token": value, "next": value}).status_code in (400, 302)
    TOTPDeviceFactory(user=user)
    response = client.post(VERIFY, {"otp_token": value, "next": value})
    assert response.status_code in (403, 400, 302)


def test_wrong_shapes_of_post_never_error(client: Client) -> None:
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    assert client.post(LOGIN, {"username": ["a", "b"], "password": []}).status_code == 403
    assert (
        client.post(
            LOGIN, b"\xff\xfe\x00garbage", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 403
    )
    assert client.post(LOGIN, "{}", content_type="application/json").status_code == 403
    _password(client, user.username)
    assert client.post(VERIFY, {"otp_token": ["1", "2"]}).status_code == 403
    assert client.post(
        VERIFY, b"\xff\xff", content_type="multipart/form-data; boundary=x"
    ).status_code in (400, 403)


def test_sign_in_events_reach_the_audit_chain_without_names(client: Client) -> None:
    from safepassage.audit.models import AuditEvent

    user = UserFactory(username="ko.aung.handler")
    device = TOTPDeviceFactory(user=user)
    _password(Client(), user.username, "wrong password 123")
    _password(Client(), "no-such-user", "wrong password 123")
    _password(client, user.username)
    client.post(VERIFY, {"otp_token": totp_code(device)})
    events = list(AuditEvent.objects.order_by("sequence"))
    actions = [e.action for e in events]
    assert actions == [
        "accounts.login_failed",
        "accounts.login_failed",
        "accounts.password_accepted",
        "accounts.login_succeeded",
    ]
    assert events[0].target_id == str(user.pk)
    assert events[1].target_id == ""
    assert events[3].actor_id == user.pk
    for event in events:
        assert "ko.aung" not in repr(event.details)
        assert "no-such-user" not in repr(event.details)
