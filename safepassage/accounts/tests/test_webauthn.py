"""Passkeys: registration needs a verified session; use is a second factor."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from .factories import UserFactory, password_just_given, sign_in

pytestmark = pytest.mark.django_db

BEGIN_REGISTRATION = reverse("otp_webauthn:credential-registration-begin")
BEGIN_AUTH = reverse("otp_webauthn:credential-authentication-begin")
COMPLETE_AUTH = reverse("otp_webauthn:credential-authentication-complete")


def test_registration_needs_a_verified_session(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user, verified=False)
    response = client.post(BEGIN_REGISTRATION)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_registration_begins_for_a_verified_user(client: Client) -> None:
    sign_in(client, UserFactory())
    password_just_given(client)
    response = client.post(BEGIN_REGISTRATION)
    assert response.status_code == 200
    assert "challenge" in response.json()


def test_nothing_works_without_a_password_first(client: Client) -> None:
    for url in (BEGIN_AUTH, COMPLETE_AUTH, BEGIN_REGISTRATION):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_authentication_can_begin_after_the_password(client: Client) -> None:
    sign_in(client, UserFactory(), verified=False)
    assert client.post(BEGIN_AUTH).status_code == 200


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_failed_passkey_counts_towards_the_lock_out(client: Client, audit_spy) -> None:
    sign_in(client, UserFactory(), verified=False)
    for _ in range(2):
        client.post(BEGIN_AUTH)
        response = client.post(
            COMPLETE_AUTH, json.dumps({"id": "x", "rawId": "x"}), content_type="application/json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "refused"
    assert audit_spy.actions().count("accounts.second_factor_failed") == 2
    client.post(BEGIN_AUTH)
    client.post(COMPLETE_AUTH, "not json", content_type="application/json")
    # Locked: the half-signed-in session has ended.
    assert client.get(reverse("accounts:verify"))["Location"].startswith(reverse("accounts:login"))


def test_passkey_page_uses_only_same_origin_scripts(client: Client) -> None:
    sign_in(client, UserFactory())
    password_just_given(client)
    body = client.get(reverse("accounts:passkeys")).content.decode()
    assert 'src="/static/django_otp_webauthn/otp_webauthn_register.js"' in body
    assert 'type="application/json"' in body  # configuration as data, not code
    for chunk in body.split("<script")[1:]:
        assert (
            "src=" in chunk.split(">", 1)[0] or 'type="application/json"' in chunk.split(">", 1)[0]
        )
