"""The locked page and the integrity-failure page: clear words, no 500."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from safepassage.vault.exceptions import DecryptionError, VaultLocked
from safepassage.vault.middleware import VaultLockedMiddleware


def test_every_page_says_locked_while_the_vault_is_locked(client, locked_vault):
    for path in ("/", "/accounts/login/", "/admin/", "/no-such-page/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert b"SafePassage is locked" in response.content
        assert response["Retry-After"] == "60"


def test_locked_page_is_in_burmese_when_asked(client, locked_vault):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="my")
    assert response.status_code == 503
    assert 'lang="my"' in response.content.decode()


def test_static_files_are_not_blocked_by_the_lock(client, locked_vault):
    response = client.get("/static/does-not-exist.css")
    assert response.status_code != 503


@pytest.mark.parametrize(
    ("exc", "status", "text"),
    [
        (VaultLocked(), 503, b"SafePassage is locked"),
        (DecryptionError("x"), 409, b"integrity check"),
    ],
)
def test_view_exceptions_become_clear_pages(exc, status, text):
    middleware = VaultLockedMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/cases/1/")
    request.resolver_match = None
    response = middleware.process_exception(request, exc)
    assert response is not None
    assert response.status_code == status
    assert text in response.content


def test_other_exceptions_are_left_alone():
    middleware = VaultLockedMiddleware(lambda request: HttpResponse())
    assert middleware.process_exception(RequestFactory().get("/"), ValueError()) is None
