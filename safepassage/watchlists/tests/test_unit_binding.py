"""A watch-list is readable only under the key of the unit that keeps it.

Which unit keeps a list is a column (`WatchList.unit`). Changing it by
hand (issue 18, point 2) must not make the list readable as another
unit's: every entry is refused, and the refusal is audited.
"""

from __future__ import annotations

import pytest
from django.db import connection

from safepassage.accounts.tests.factories import UnitFactory
from safepassage.audit.models import AuditEvent
from safepassage.vault import keys
from safepassage.vault.exceptions import UnitMismatch
from safepassage.vault.rows import decrypted_values
from safepassage.watchlists import selectors
from safepassage.watchlists.models import WatchList, WatchListEntry
from safepassage.watchlists.tests.factories import keeper, list_with

pytestmark = pytest.mark.django_db

LINES = ("name_latin,nrc", "Aung Ko,12/ABC(N)111222")


def _move_by_hand(watch_list: WatchList, unit) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE watchlists_watchlist SET unit_id = %s WHERE id = %s", [unit.pk, watch_list.pk]
        )


def test_a_list_moved_by_hand_is_refused_to_every_reader():
    officer = keeper()
    watch_list = list_with(officer, *LINES)
    battalion = UnitFactory()
    _move_by_hand(watch_list, battalion)
    keys.clear_caches()
    moved = WatchList.objects.get(pk=watch_list.pk)
    with pytest.raises(UnitMismatch):
        _ = moved.name
    # The list's page leaves the entry out and counts it, like any altered row.
    assert selectors.watchlist_entries(watch_list=moved) == ([], 1)
    with pytest.raises(UnitMismatch):
        list(decrypted_values(WatchListEntry.objects.filter(watch_list=moved), ["nrc"]))
    # The keeper no longer finds it (the column names the battalion).
    with pytest.raises(selectors.WatchListNotFound):
        selectors.watchlist_get_for_user(user=officer, pk=watch_list.pk)
    alert = AuditEvent.objects.filter(action="vault.unit_mismatch").first()
    assert alert is not None
    assert alert.unit_id == battalion.pk
    assert alert.details["bound_scope"] == keys.scope_for_unit(officer.unit_id)


def test_a_list_left_alone_reads_as_before():
    officer = keeper()
    watch_list = list_with(officer, *LINES)
    keys.clear_caches()
    entries, unreadable = selectors.watchlist_entries(
        watch_list=WatchList.objects.get(pk=watch_list.pk)
    )
    assert [e.name_latin for e in entries] == ["Aung Ko"]
    assert unreadable == 0
    assert not AuditEvent.objects.filter(action="vault.unit_mismatch").exists()
