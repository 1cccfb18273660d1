"""Sessions in Redis, written through to the database (`cached_db`), as the
deployment runs them with SAFEPASSAGE_SESSION_REDIS_URL: no session query
per request, and signing out or a withdrawal still acts at once.

Uses the Redis on 127.0.0.1:6379 (database 15, a key prefix of its own).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safepassage.accounts import services
from safepassage.accounts.roles import Role

from .factories import UserFactory, sign_in

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/15"
CASES = reverse("cases:list")
LOGIN = reverse("accounts:login")


@pytest.fixture
def redis_sessions() -> Iterator[None]:
    prefix = "sp-test-" + secrets.token_hex(4)
    with override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "sessions": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            },
        },
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
        SESSION_CACHE_ALIAS="sessions",
    ):
        yield
        caches["sessions"].clear()


def _signed_in() -> tuple[Client, object]:
    user = UserFactory(roles=[Role.UNIT_HANDLER])
    client = Client()
    sign_in(client, user)
    assert client.get(CASES).status_code == 200
    return client, user


def test_a_warm_request_reads_no_session_row(redis_sessions: None) -> None:
    client, _user = _signed_in()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CASES).status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "django_session" not in sql
    assert "auth_group" not in sql


def test_the_session_is_in_redis_and_holds_nothing_personal(redis_sessions: None) -> None:
    client, user = _signed_in()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    stored = caches["sessions"].get("django.contrib.sessions.cached_db" + key)
    assert stored is not None
    assert set(stored) <= {
        "_auth_user_id",
        "_auth_user_backend",
        "_auth_user_hash",
        "otp_device_id",
        "safepassage_session_epoch",
        "safepassage_last_seen",
        "safepassage_access",
        "_language",
    }
    assert str(user.username) not in json.dumps(stored)  # type: ignore[attr-defined]


def test_signing_out_kills_a_copied_cookie(redis_sessions: None) -> None:
    client, _user = _signed_in()
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    assert stolen.get(CASES).status_code == 200
    client.post(reverse("accounts:logout"))
    response = stolen.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_deactivation_is_refused_on_the_next_request(redis_sessions: None) -> None:
    client, user = _signed_in()
    services.user_deactivate(actor=None, user=user)  # type: ignore[arg-type]
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_removed_role_is_refused_on_the_next_request(redis_sessions: None) -> None:
    client, user = _signed_in()
    services.user_set_roles(actor=None, user=user, roles=[Role.ANALYST])  # type: ignore[arg-type]
    assert client.get(CASES).status_code == 302
