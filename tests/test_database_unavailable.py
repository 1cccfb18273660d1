"""A database that cannot be reached (PostgreSQL restarting, a connection
dropped): every request answers 503 with a page that says so, never a 500
traceback, and the product serves again once the database is back, with
no restart (docs/operations.md, "Faults survived").

The fault is made at the connection: the driver's own OperationalError
raised where Django opens a cursor, so it comes through Django's error
wrapper as it does when the server goes away."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path, reverse

from safepassage.accounts.models import User
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.core.permissions import public
from safepassage.core.tests.test_headers import check_common

pytestmark = pytest.mark.django_db


@contextmanager
def database_gone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every new cursor fails as when the server is gone."""
    driver_error = connection.Database.OperationalError

    def refused(self, name=None):
        raise driver_error("server closed the connection unexpectedly")

    with monkeypatch.context() as patched:
        patched.setattr(type(connections["default"]), "create_cursor", refused)
        yield


def _count(request):
    return HttpResponse(str(User.objects.count()))


urlpatterns = [path("count/", public(_count)), path("", include("config.urls"))]
handler500 = "safepassage.core.views.server_error"


def _is_the_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "unavailable for a moment" in body
    assert "nothing of what you just did was saved" in body
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert "server closed" not in body
    check_common(response)


@override_settings(ROOT_URLCONF=__name__)
def test_a_view_meeting_the_fault_answers_503_then_serves_again(monkeypatch, caplog) -> None:
    client = Client(raise_request_exception=False)
    with database_gone(monkeypatch):
        _is_the_unavailable_page(client.get("/count/"))
    assert "server closed" not in caplog.text  # only the fault's type is logged
    assert "database unavailable: OperationalError" in caplog.text
    response = client.get("/count/")  # back: no restart, the next request is served
    assert response.status_code == 200
    assert response.content.decode() == str(User.objects.count())


@override_settings(ROOT_URLCONF=__name__)
def test_a_middleware_meeting_the_fault_answers_503(monkeypatch) -> None:
    """The session and the user are read by middleware, before any view:
    the 500 handler tells this fault apart."""
    client = Client(raise_request_exception=False)
    sign_in(client, UserFactory())
    with database_gone(monkeypatch):
        _is_the_unavailable_page(client.get(reverse("core:home")))
    assert client.get(reverse("core:home")).status_code == 200


@override_settings(ROOT_URLCONF=__name__)
def test_the_page_is_translated(monkeypatch) -> None:
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "my"
    with database_gone(monkeypatch):
        response = client.get("/count/", HTTP_ACCEPT_LANGUAGE="my")
    assert response.status_code == 503
    assert '<html lang="my">' in response.content.decode()


def test_any_other_error_is_still_a_500(monkeypatch) -> None:
    from django.test import RequestFactory

    from safepassage.core.views import server_error

    try:
        raise RuntimeError("not the database")
    except RuntimeError:
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
