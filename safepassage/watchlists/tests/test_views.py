"""Watch-list pages through the test client: keepers only, uploads of every kind."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.watchlists.models import WatchList, WatchListEntry
from safepassage.watchlists.tests.factories import csv_bytes, keeper, list_with, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq_officer(client):
    user = keeper()
    sign_in(client, user)
    return user


def _upload(client, watch_list, data: bytes, name: str = "list.csv"):
    return client.post(
        reverse("watchlists:import", kwargs={"pk": watch_list.pk}),
        {"file": SimpleUploadedFile(name, data)},
    )


def test_create_import_and_read_the_report(client, hq_officer):
    response = client.post(reverse("watchlists:index"), {"name": "Known informants"})
    watch_list = WatchList.objects.get()
    assert response["Location"] == reverse("watchlists:detail", kwargs={"pk": watch_list.pk})
    response = _upload(
        client,
        watch_list,
        xlsx_bytes([["name", "nrc"], ["Kyaw Zin Htun", "12/LAMANA(N)654321"], [None, None]]),
        "list.xlsx",
    )
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert "Kyaw" not in report
    assert "empty, skipped" in report
    page = client.get(reverse("watchlists:detail", kwargs={"pk": watch_list.pk}))
    assert "Kyaw Zin Htun" in page.content.decode()
    read = AuditEvent.objects.get(action="watchlists.viewed")
    assert read.details["purpose"] == "watchlist_detail"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "name\nThet\xe9\n".encode("cp1252"),
        b"PK\x03\x04garbage",
        b"\x00\x01binary",
        csv_bytes("father_name", "U Ba"),
        csv_bytes("name", '"never closed'),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message_never_a_500(client, hq_officer, data):
    watch_list = list_with(hq_officer, "name", "Aung")
    response = _upload(client, watch_list, data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert WatchListEntry.objects.count() == 1


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_file_too_large_for_memory_is_refused(client, hq_officer):
    watch_list = list_with(hq_officer, "name", "Aung")
    response = _upload(client, watch_list, csv_bytes("name", *(["Aung Aung"] * 500)))
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()


def test_a_post_without_a_file_is_a_form_error(client, hq_officer):
    watch_list = list_with(hq_officer, "name", "Aung")
    response = client.post(reverse("watchlists:import", kwargs={"pk": watch_list.pk}), {})
    assert response.status_code == 400


def test_deactivate_and_activate(client, hq_officer):
    watch_list = list_with(hq_officer, "name", "Aung")
    url = reverse("watchlists:active", kwargs={"pk": watch_list.pk})
    client.post(url, {"active": "0"})
    watch_list.refresh_from_db()
    assert not watch_list.is_active
    client.post(url, {"active": "1"})
    watch_list.refresh_from_db()
    assert watch_list.is_active


def test_a_unit_screening_officer_is_refused_every_page(client):
    watch_list = list_with(keeper(), "name", "Aung")
    sign_in(client, UserFactory(unit=UnitFactory(), roles=[Role.SCREENING_OFFICER]))
    assert client.get(reverse("watchlists:index")).status_code == 403
    assert client.get(reverse("watchlists:detail", kwargs={"pk": watch_list.pk})).status_code == 403
    assert _upload(client, watch_list, csv_bytes("name", "Thura")).status_code == 403
    assert WatchListEntry.objects.count() == 1


def test_the_navigation_offers_watch_lists_to_keepers_only(client, hq_officer):
    assert reverse("watchlists:index") in client.get(reverse("core:home")).content.decode()
    client.logout()
    sign_in(client, UserFactory(unit=UnitFactory(), roles=[Role.SCREENING_OFFICER]))
    assert reverse("watchlists:index") not in client.get(reverse("core:home")).content.decode()
