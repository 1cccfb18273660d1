"""Changing one's own password: the old one checked, validators run, other sessions end."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from safepassage.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, sign_in
from safepassage.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW = "river lantern copper meadow 7"
URL = reverse("accounts:password_change")


def test_a_change_keeps_this_session_and_ends_the_others(client):
    user = UserFactory()
    sign_in(client, user)
    other = Client()
    sign_in(other, user)
    response = client.post(
        URL, {"old_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response["Location"] == reverse("accounts:account")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get(reverse("accounts:account")).status_code == 200
    assert other.get(reverse("accounts:account")).status_code == 302  # back to sign-in
    assert AuditEvent.objects.filter(action="accounts.password_set").count() == 1


@pytest.mark.parametrize(
    ("old", "new1", "new2", "says"),
    [
        ("wrong old password 1", NEW, NEW, "current password is not right"),
        (DEFAULT_PASSWORD, NEW, NEW + "x", "differ"),
        (DEFAULT_PASSWORD, "short", "short", "too short"),
        (DEFAULT_PASSWORD, "12345678901234", "12345678901234", "entirely numeric"),
        (DEFAULT_PASSWORD, "", "", "required"),
    ],
)
def test_a_refused_change_changes_nothing_and_says_why(client, old, new1, new2, says):
    user = UserFactory()
    sign_in(client, user)
    response = client.post(URL, {"old_password": old, "new_password1": new1, "new_password2": new2})
    assert response.status_code == 400
    assert says in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert not AuditEvent.objects.filter(action="accounts.password_set").exists()


def test_a_wrong_current_password_is_audited(client):
    user = UserFactory()
    sign_in(client, user)
    client.post(
        URL, {"old_password": "not it at all 99", "new_password1": NEW, "new_password2": NEW}
    )
    assert AuditEvent.objects.filter(action="accounts.password_change_refused").exists()


def test_the_password_never_reaches_the_page(client):
    user = UserFactory()
    sign_in(client, user)
    response = client.post(
        URL, {"old_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": "other"}
    )
    assert DEFAULT_PASSWORD not in response.content.decode()
    assert NEW not in response.content.decode()
