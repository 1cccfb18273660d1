"""AccessCacheMiddleware: roles and the verified device kept in the session,
and every withdrawal still refused on the very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safepassage.accounts import services
from safepassage.accounts.middleware import SESSION_ACCESS_KEY
from safepassage.accounts.models import Unit, User
from safepassage.accounts.roles import Role

from .factories import UnitFactory, UserFactory, sign_in, totp_code

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
CASES = reverse("cases:list")
LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:verify")


def _handler(unit: Unit | None = None) -> User:
    user: User = UserFactory(roles=[Role.UNIT_HANDLER], **({"unit": unit} if unit else {}))
    return user


def _signed_in(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    # The first request reads roles and device and keeps them.
    assert client.get(CASES).status_code == 200
    assert client.session[SESSION_ACCESS_KEY]["stamp"] == user.access_stamp
    return client


def _tables(queries: list[dict[str, str]]) -> str:
    return " ".join(q["sql"] for q in queries).lower()


def test_a_warm_session_reads_neither_roles_nor_device() -> None:
    user = _handler()
    client = _signed_in(user)
    with CaptureQueriesContext(connection) as warm:
        assert client.get(CASES).status_code == 200
    sql = _tables(warm.captured_queries)
    assert "auth_group" not in sql
    assert "totpdevice" not in sql
    assert '"accounts_user"' in sql  # the stamp is read with the user, each request


def test_a_cold_session_reads_both() -> None:
    """The test above can fail: without the copy both are read."""
    user = _handler()
    client = Client()
    sign_in(client, user)
    with CaptureQueriesContext(connection) as cold:
        assert client.get(CASES).status_code == 200
    sql = _tables(cold.captured_queries)
    assert "auth_group" in sql
    assert "totpdevice" in sql


def test_deactivation_is_refused_on_the_next_request() -> None:
    user = _handler()
    client = _signed_in(user)
    services.user_deactivate(actor=None, user=user)
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_removed_role_is_refused_on_the_next_request() -> None:
    user = _handler()
    client = _signed_in(user)
    services.user_set_roles(actor=None, user=user, roles=[Role.ANALYST])
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    # Signed in again, the new roles hold: the old copy is not reused.
    sign_in(client, user)
    assert client.get(CASES).status_code == 403


def test_a_unit_change_is_refused_on_the_next_request() -> None:
    user = _handler()
    client = _signed_in(user)
    services.user_set_unit(actor=None, user=user, unit=UnitFactory(name="Elsewhere"))
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_removed_device_is_refused_on_the_next_request() -> None:
    """An administrator replaces a lost authenticator: the session verified
    by the old one must give a code from the new one."""
    user = _handler()
    client = _signed_in(user)
    services.totp_device_provision(actor=None, user=user)
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_a_device_replaced_by_its_owner_is_refused_elsewhere() -> None:
    user = _handler()
    laptop = _signed_in(user)
    phone = _signed_in(user)
    new = services.totp_device_start(user=user)
    assert services.totp_device_confirm(user=user, device=new, token=totp_code(new))
    for client in (laptop, phone):
        response = client.get(CASES)
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)


def test_a_password_change_is_refused_on_the_next_request() -> None:
    user = _handler()
    client = _signed_in(user)
    services.user_set_password(actor=None, user=user, password="a new long passphrase 2026")
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_stamp_alone_voids_the_copy() -> None:
    """With the session epoch left alone (only the cache layer acting), a
    role withdrawn and the stamp bumped is refused at once; a role
    withdrawn behind the services' back (no stamp) is not seen, which is
    why every such write goes through a service that bumps it."""
    user = _handler()
    client = _signed_in(user)
    user.groups.clear()
    assert client.get(CASES).status_code == 200  # the copy, stale
    services._bump_access_stamp(user)
    assert client.get(CASES).status_code == 403


def test_a_copy_of_another_user_is_not_trusted() -> None:
    """A session whose copy names another user (or a forged stamp) reads
    the database again."""
    user = _handler()
    client = _signed_in(user)
    session = client.session
    session[SESSION_ACCESS_KEY] = {
        "user": user.pk + 1000,
        "stamp": user.access_stamp,
        "roles": [Role.ADMINISTRATOR.value],
        "device": session[SESSION_ACCESS_KEY]["device"],
    }
    session.save()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CASES).status_code == 200
    assert "auth_group" in _tables(queries.captured_queries)
    assert client.session[SESSION_ACCESS_KEY]["user"] == user.pk
    assert client.session[SESSION_ACCESS_KEY]["roles"] == [Role.UNIT_HANDLER.value]


def test_a_verified_device_read_lazily_is_the_real_one() -> None:
    from django_otp import DEVICE_ID_SESSION_KEY

    user = _handler()
    client = _signed_in(user)
    response = client.get(CASES)
    device = response.wsgi_request.user.otp_device
    assert device.persistent_id == client.session[DEVICE_ID_SESSION_KEY]
    assert device.user_id == user.pk
