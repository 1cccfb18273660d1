"""Watch-list hits as the screening panel sees them."""

from __future__ import annotations

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory
from safepassage.screening.records import PersonRecord
from safepassage.vault.keys import data_key_shred
from safepassage.watchlists import selectors, services
from safepassage.watchlists.tests.factories import keeper, list_with

pytestmark = pytest.mark.django_db

ROWS = ("name,father_name,date_of_birth,nrc", "Kyaw Zin Htun,U Ba Sein,1999,12/LAMANA(N)654321")
SCREENED = PersonRecord(
    "case",
    name="Kyao Zin Tun",
    father_name="U Ba Sein",
    date_of_birth="1999-03-04",
    nrc="12/LAMANA(N)654321",
)


def test_a_keeper_sees_the_entry_and_a_unit_officer_the_list_and_reasons_only():
    hq_officer = keeper()
    watch_list = list_with(hq_officer, *ROWS)
    unit_officer = UserFactory(unit=UnitFactory(), roles=[Role.SCREENING_OFFICER])

    (hit,) = selectors.watchlist_hits(user=hq_officer, record=SCREENED)
    assert hit.watch_list == watch_list
    assert hit.entry is not None
    assert hit.entry.name_latin == "Kyaw Zin Htun"
    assert "NRC" in hit.explanation

    (hit,) = selectors.watchlist_hits(user=unit_officer, record=SCREENED)
    assert hit.entry is None
    assert hit.watch_list.name == "Known informants"


def test_inactive_lists_are_ignored_and_count_again_when_reactivated():
    actor = keeper()
    watch_list = list_with(actor, *ROWS)
    services.watchlist_set_active(actor=actor, watch_list=watch_list, active=False)
    assert selectors.watchlist_hits(user=actor, record=SCREENED) == []
    services.watchlist_set_active(actor=actor, watch_list=watch_list, active=True)
    assert len(selectors.watchlist_hits(user=actor, record=SCREENED)) == 1


def test_a_shredded_list_is_gone_from_screening_and_from_its_keepers():
    actor = keeper()
    watch_list = list_with(actor, *ROWS)
    assert selectors.watchlist_hits(user=actor, record=SCREENED)
    data_key_shred(data_key=watch_list.data_key)
    assert selectors.watchlist_hits(user=actor, record=SCREENED) == []
    assert not selectors.watchlists_visible_to(actor).exists()


def test_entries_imported_after_the_index_was_built_are_found():
    actor = keeper()
    list_with(actor, "name", "Someone Else")
    assert selectors.watchlist_hits(user=actor, record=SCREENED) == []
    list_with(actor, *ROWS, name="Second list")
    assert len(selectors.watchlist_hits(user=actor, record=SCREENED)) == 1


def test_a_refresh_with_nothing_new_is_one_light_query(django_assert_num_queries):
    from safepassage.watchlists.matching import watchlist_index

    actor = keeper()
    list_with(actor, "name", "Someone Else")
    first = len(watchlist_index())
    with django_assert_num_queries(1):  # the recent entries' ids, all known
        assert len(watchlist_index()) == first
    list_with(actor, *ROWS, name="Second list")
    assert len(watchlist_index()) == first + 1


def test_no_one_but_a_keeper_sees_a_list():
    watch_list = list_with(keeper(), *ROWS)
    unit_officer = UserFactory(unit=UnitFactory(), roles=[Role.SCREENING_OFFICER])
    assert not selectors.watchlists_visible_to(unit_officer).exists()
    with pytest.raises(selectors.WatchListNotFound):
        selectors.watchlist_get_for_user(user=unit_officer, pk=watch_list.pk)
