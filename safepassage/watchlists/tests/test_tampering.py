"""An altered watch-list entry is left out and reported once; screening
against the other entries, and the list's page, keep working."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safepassage.accounts.tests.factories import sign_in
from safepassage.audit.models import AuditEvent, IntegrityAlert
from safepassage.vault.tests.tamper import flip_byte
from safepassage.watchlists import matching, selectors
from safepassage.watchlists.models import WatchListEntry
from safepassage.watchlists.tests.factories import keeper, list_with
from safepassage.watchlists.tests.test_selectors import ROWS, SCREENED

pytestmark = pytest.mark.django_db

ALTERED = "Zaw Zaw Aung,U Tin,1995,5/KALANA(N)135790"


def test_an_altered_entry_is_left_out_of_screening_and_alerted_once():
    hq_officer = keeper()
    watch_list = list_with(hq_officer, *ROWS, ALTERED)
    bad = WatchListEntry.objects.get(watch_list=watch_list, row=3)
    flip_byte(bad, "name_latin")
    for restart in (False, True, False):
        if restart:
            matching.watchlist_index_reset()
        (hit,) = selectors.watchlist_hits(user=hq_officer, record=SCREENED)
        assert hit.entry is not None
        assert hit.entry.name_latin == "Kyaw Zin Htun"
        assert selectors.watchlist_unreadable() == 1
    alert = IntegrityAlert.objects.get()
    assert (alert.model, alert.row_id) == ("watchlists.watchlistentry", str(bad.pk))
    assert AuditEvent.objects.filter(action="vault.integrity_failed").count() == 1


def test_the_lists_page_shows_the_readable_entries_and_says_one_is_left_out(client):
    hq_officer = keeper()
    watch_list = list_with(hq_officer, *ROWS, ALTERED)
    bad = WatchListEntry.objects.get(watch_list=watch_list, row=3)
    flip_byte(bad, "notes")
    sign_in(client, hq_officer)
    response = client.get(reverse("watchlists:detail", kwargs={"pk": watch_list.pk}))
    assert response.status_code == 200
    assert b"Kyaw Zin Htun" in response.content
    assert b"Zaw Zaw Aung" not in response.content
    assert b"1 record could not be read" in response.content
    assert IntegrityAlert.objects.filter(row_id=str(bad.pk)).count() == 1
