"""Headers on every response, and error pages that say nothing."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path, reverse

from safepassage.core.permissions import public

pytestmark = pytest.mark.django_db


def pages() -> list[str]:
    return [
        reverse("accounts:login"),
        reverse("core:home"),
        reverse("accounts:account"),
        reverse("admin:index"),
        "/no-such-page/",
    ]


def check_common(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_every_page_carries_the_security_headers(client: Client) -> None:
    for url in pages():
        response = client.get(url)
        check_common(response)
        assert "no-store" in response["Cache-Control"], url


def test_login_page_has_the_language_switch_as_a_post_form(client: Client) -> None:
    body = client.get(reverse("accounts:login")).content.decode()
    assert f'action="{reverse("set_language")}"' in body
    assert 'name="language" value="my"' in body


def test_switching_language_renders_burmese_lang(client: Client) -> None:
    client.get(reverse("accounts:login"))
    response = client.post(reverse("set_language"), {"language": "my", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert '<html lang="my">' in client.get(reverse("accounts:login")).content.decode()


def test_not_found_page_shows_nothing_of_the_request(client: Client) -> None:
    response = client.get("/no-such-page/?name=Aung+San")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Aung" not in body
    assert "no-such-page" not in body


def _boom(request):
    raise RuntimeError("secret detail Daw Suu")


urlpatterns = [path("boom/", public(_boom)), path("", include("config.urls"))]
handler500 = "safepassage.core.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_page_shows_no_traceback(caplog) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/?who=Daw+Suu")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body
    assert "Daw Suu" not in body
    assert "RuntimeError" not in body
    assert "Daw Suu" not in caplog.text
    check_common(response)


def test_csrf_failure_is_a_plain_403(client: Client) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "CSRF" not in response.content.decode()


def test_static_files_are_not_marked_no_store() -> None:
    from safepassage.core.middleware import SecurityHeadersMiddleware

    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse("body {}"))
    static = middleware(RequestFactory().get("/static/css/safepassage.css"))
    page = middleware(RequestFactory().get("/accounts/login/"))
    assert "no-store" not in static.get("Cache-Control", "")
    assert "no-store" in page["Cache-Control"]
    assert static["Permissions-Policy"]
