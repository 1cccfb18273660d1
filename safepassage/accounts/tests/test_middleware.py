"""SessionGuardMiddleware and SecondFactorRequiredMiddleware."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from safepassage.accounts import services
from safepassage.accounts.middleware import (
    SESSION_EPOCH_KEY,
    SESSION_LAST_SEEN_KEY,
    SESSION_TOUCH_SECONDS,
)
from safepassage.accounts.roles import Role

from .factories import UserFactory, sign_in

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
LOGIN = reverse("accounts:login")


def _age_session(client: Client, seconds: int) -> None:
    session = client.session
    session[SESSION_LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


@override_settings(SESSION_IDLE_TIMEOUT_SECONDS=900)
def test_an_idle_session_ends(client: Client, audit_spy) -> None:
    user = UserFactory()
    sign_in(client, user)
    _age_session(client, 901)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert audit_spy.last("accounts.session_terminated")["details"]["reason"] == "idle"
    # Signed out for good, not just for one request.
    assert client.get(HOME).status_code == 302


@override_settings(SESSION_IDLE_TIMEOUT_SECONDS=900)
def test_activity_keeps_a_session_alive(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    _age_session(client, 899)
    assert client.get(HOME).status_code == 200
    assert client.session[SESSION_LAST_SEEN_KEY] >= int(time.time()) - 2
    assert client.get(HOME).status_code == 200


def test_a_fresh_stamp_is_not_rewritten_on_every_request(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    _age_session(client, SESSION_TOUCH_SECONDS - 5)
    stamped = client.session[SESSION_LAST_SEEN_KEY]
    assert client.get(HOME).status_code == 200
    assert client.session[SESSION_LAST_SEEN_KEY] == stamped
    _age_session(client, SESSION_TOUCH_SECONDS)
    assert client.get(HOME).status_code == 200
    assert client.session[SESSION_LAST_SEEN_KEY] >= int(time.time()) - 2


def test_deactivation_ends_every_session_at_once(client: Client, audit_spy) -> None:
    user = UserFactory()
    other_device_client = Client()
    sign_in(client, user)
    sign_in(other_device_client, user)
    services.user_deactivate(actor=None, user=user)
    for c in (client, other_device_client):
        response = c.get(HOME)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_a_role_change_ends_the_session(client: Client, audit_spy) -> None:
    user = UserFactory(roles=[Role.ANALYST])
    sign_in(client, user)
    assert client.get(HOME).status_code == 200
    services.user_set_roles(actor=None, user=user, roles=[Role.CASEWORKER])
    response = client.get(HOME)
    assert response["Location"].startswith(LOGIN)
    assert audit_spy.last("accounts.session_terminated")["details"]["reason"] == "epoch"


def test_ending_sessions_leaves_a_new_sign_in_working(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    services.user_end_sessions(actor=None, user=user, reason="lost_phone")
    assert client.get(HOME).status_code == 302
    user.refresh_from_db()
    sign_in(client, user)
    assert client.get(HOME).status_code == 200


def test_a_session_without_the_guard_stamps_is_not_trusted(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user)
    session = client.session
    del session[SESSION_EPOCH_KEY]
    session.save()
    assert client.get(HOME).status_code == 302


def test_unverified_user_is_sent_to_verify_with_next(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user, verified=False)
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify") + "?next=%2Faccounts%2F"


def test_unverified_user_posting_is_sent_to_verify_without_next(client: Client) -> None:
    user = UserFactory()
    sign_in(client, user, verified=False)
    response = client.post(reverse("accounts:backup_codes"))
    assert response["Location"] == reverse("accounts:verify")


def test_anonymous_user_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN + "?next=")


@pytest.mark.urls("safepassage.accounts.tests.urls_undeclared")
def test_a_view_that_declares_nothing_is_refused_to_everyone(client: Client, audit_spy) -> None:
    user = UserFactory(roles=list(Role))
    sign_in(client, user)
    response = client.get("/undeclared/")
    assert response.status_code == 403
    assert audit_spy.last("accounts.permission_denied")["details"]["policy"] == "undeclared"
    assert b"secret" not in response.content
