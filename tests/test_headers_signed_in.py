"""Headers and markup of pages seen by a signed-in user."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.core.tests.test_headers import check_common, pages

pytestmark = pytest.mark.django_db


def test_every_page_carries_the_security_headers_when_signed_in(client: Client) -> None:
    sign_in(client, UserFactory())
    for url in pages():
        response = client.get(url)
        check_common(response)
        assert "no-store" in response["Cache-Control"], url


def test_pages_have_no_inline_script_or_style(client: Client) -> None:
    sign_in(client, UserFactory())
    for url in [
        reverse("core:home"),
        reverse("accounts:account"),
        reverse("accounts:backup_codes"),
    ]:
        body = client.get(url).content.decode()
        assert "<style" not in body
        assert " style=" not in body
        assert "<script>" not in body
        assert "javascript:" not in body
