"""A searched name or phone number stays out of URLs and logs (issue 18 §7).

The attack: the case search was a GET, so `/cases/search/?q=<phone>` went
into the server's request log, a proxy's log and the browser's history.
Every search that carries personal data is now a POST (CSRF-checked,
rendered in place, no redirect putting the query back in a URL), and the
logs cut query strings in any case. A canary name and phone number are
searched through every such form; then every line the project's logging
would write, and the line gunicorn's access log would write with
deploy/gunicorn.conf.py's format, must be free of them.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import runpy
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory, sign_in

pytestmark = pytest.mark.django_db

CANARY_NAME = "Canaryzawmyint"
CANARY_PHONE = "09 795 123 4567"
CANARY_DIGITS = "7951234567"
GUNICORN_CONF = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"


def _leaks(text: str) -> bool:
    squeezed = text.replace(" ", "").replace("+", "").replace("%20", "")
    return CANARY_NAME.lower() in text.lower() or CANARY_DIGITS in squeezed


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything the project's logging writes, at every level.

    The handlers LOGGING installed keep their filters and formatter (that
    is what would reach the operator); only their stream is swapped.
    """
    out = io.StringIO()
    loggers = [
        logging.getLogger(name)
        for name in (
            "",
            "django",
            "django.request",
            "django.server",
            "django.security",
            "safepassage",
        )
    ]
    saved: list[tuple[Any, Any]] = []
    levels = [(lg, lg.level) for lg in loggers]
    seen: set[int] = set()
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        for handler in lg.handlers:
            # LOGGING's handlers only (pytest adds its own capturing ones).
            if type(handler) is logging.StreamHandler and id(handler) not in seen:
                seen.add(id(handler))
                saved.append((handler, handler.setStream(out)))
    assert saved, "no handler of LOGGING found"
    try:
        yield out
    finally:
        for handler, stream in saved:
            handler.setStream(stream)
        for lg, level in levels:
            lg.setLevel(level)


def _server_line(response: Any) -> str:
    """What runserver (`make demo`) logs for this request, through LOGGING."""
    environ = response.request
    path = environ["PATH_INFO"] + (
        "?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else ""
    )
    logging.getLogger("django.server").info(
        '"%s %s HTTP/1.1" %s %s', environ["REQUEST_METHOD"], path, response.status_code, 0
    )
    return path


def _gunicorn_line(response: Any) -> str:
    """The access-log line gunicorn would write with our configuration."""
    from gunicorn.glogging import Logger, SafeAtoms

    conf = runpy.run_path(str(GUNICORN_CONF))
    request = response.request
    query = request.get("QUERY_STRING", "")
    environ = {
        "REQUEST_METHOD": request["REQUEST_METHOD"],
        "RAW_URI": request["PATH_INFO"] + ("?" + query if query else ""),
        "PATH_INFO": request["PATH_INFO"],
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": request.get("HTTP_REFERER", "-"),
    }
    resp = SimpleNamespace(status=f"{response.status_code} OK", sent=10, headers=[])
    atoms = Logger.atoms(
        SimpleNamespace(now=lambda: "[now]", _get_user=lambda e: None),  # type: ignore[arg-type]
        resp,
        SimpleNamespace(headers=[]),
        environ,
        dt.timedelta(milliseconds=5),
    )
    return str(conf["access_log_format"] % SafeAtoms(atoms))


def test_gunicorn_writes_no_access_log_and_its_format_has_no_query() -> None:
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["accesslog"] is None
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(a)s", "%(h)s", "}i)s", "}e)s"):
        assert atom not in conf["access_log_format"]


@pytest.fixture
def handler(client: Client, unit_a) -> Any:
    user = UserFactory(unit=unit_a, roles=[Role.UNIT_HANDLER])
    sign_in(client, user)
    return user


def _searches(client: Client) -> list[Any]:
    url = reverse("cases:search")
    return [
        client.post(url, {"q": CANARY_NAME}),
        client.post(url, {"q": CANARY_PHONE}),
        client.post(reverse("cases:township_suggest"), {"home_township": CANARY_NAME}),
    ]


def test_a_searched_name_and_phone_stay_out_of_urls_and_logs(
    client: Client, handler, log_lines
) -> None:
    responses = _searches(client)
    for response in responses:
        assert response.status_code == 200
        assert response.request["REQUEST_METHOD"] == "POST"
        assert not _leaks(response.request.get("QUERY_STRING", ""))
        assert not _leaks(response.get("Location", ""))
        assert "no-store" in response["Cache-Control"]
        assert not _leaks(_server_line(response))
        assert not _leaks(_gunicorn_line(response))
    assert not _leaks(log_lines.getvalue())
    page = responses[0].content.decode()
    # The results page shows the box's text again, in the body only.
    assert 'method="post"' in page
    assert "csrfmiddlewaretoken" in page
    assert f'action="{reverse("cases:search")}"' in page


def test_a_query_in_a_url_is_ignored_and_cut_from_every_log_line(
    client: Client, handler, log_lines
) -> None:
    """An old bookmark or a typed URL: not searched, and the query is cut
    from what runserver and gunicorn would log."""
    response = client.get(reverse("cases:search"), {"q": CANARY_PHONE})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert not _leaks(response.content.decode().split("</nav>", 1)[-1])
    assert _leaks(_server_line(response))  # the request line did carry it...
    assert not _leaks(_gunicorn_line(response))
    assert not _leaks(log_lines.getvalue())  # ...and the scrub filter cut it
    # A GET to the suggestion endpoints is refused, and logged without the query.
    refused = client.get(reverse("cases:township_suggest"), {"home_township": CANARY_NAME})
    assert refused.status_code == 405
    assert not _leaks(log_lines.getvalue())


def test_search_is_csrf_protected(handler) -> None:
    strict = Client(enforce_csrf_checks=True)
    sign_in(strict, handler)
    assert strict.post(reverse("cases:search"), {"q": CANARY_NAME}).status_code == 403


def test_the_routing_township_stays_out_of_urls_and_logs(client: Client, log_lines) -> None:
    from safepassage.intake.tests.factories import telegram_channel
    from safepassage.intake.tests.test_inbox import _contact_with_message

    sign_in(client, UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR]))
    contact = _contact_with_message(telegram_channel())
    page = client.get(reverse("inbox:contact", kwargs={"pk": contact.pk})).content.decode()
    assert f'action="{reverse("inbox:route", kwargs={"pk": contact.pk})}"' in page
    response = client.post(
        reverse("inbox:route", kwargs={"pk": contact.pk}), {"township": CANARY_NAME}
    )
    assert response.status_code == 200
    assert "No township of that name is known." in response.content.decode()
    assert not _leaks(_server_line(response))
    assert not _leaks(_gunicorn_line(response))
    assert not _leaks(log_lines.getvalue())
