"""Creating lists and importing files: a report on every row, nothing half-written."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.watchlists import services
from safepassage.watchlists.models import WatchList, WatchListEntry
from safepassage.watchlists.reading import read_list_file
from safepassage.watchlists.tests.factories import csv_bytes, keeper, list_with

pytestmark = pytest.mark.django_db


def _import(actor, watch_list, *lines):
    return services.watchlist_import(
        actor=actor, watch_list=watch_list, sheet=read_list_file(csv_bytes(*lines))
    )


def test_every_row_is_reported_and_only_good_rows_are_added():
    actor = keeper()
    watch_list = services.watchlist_create(actor=actor, name="Known informants")
    result = _import(
        actor,
        watch_list,
        "name,name_my,date_of_birth,nrc,notes",
        "Kyaw Zin Htun,,31-02-1990,,seen at the checkpoint",  # 2: added, date warned
        ",,,,",  # 3: empty
        "Kyaw Zin Htun,,31-02-1990,,another note",  # 4: duplicate of row 2
        ",,1990,,no name",  # 5: nothing to match on
        "Aung Min," + "x" * 201 + ",,,",  # 6: a cell too long
        ",ေမာင္ေဇာ္ဝင္း,,12/LAMANA(N)123456,",  # 7: Zawgyi, added as Unicode
    )
    report = {row["row"]: row for row in result.watch_import.report}
    assert {n: r["status"] for n, r in report.items()} == {
        2: "added",
        3: "empty",
        4: "duplicate",
        5: "rejected",
        6: "rejected",
        7: "added",
    }
    assert "date_of_birth:impossible" in report[2]["codes"]
    assert "row:nothing_to_match" in report[5]["codes"]
    assert "name_my:too_long" in report[6]["codes"]
    assert (result.added, result.rejected) == (2, 4)
    entries = list(WatchListEntry.objects.filter(watch_list=watch_list).order_by("row"))
    assert [e.row for e in entries] == [2, 7]
    assert entries[1].name_my == "မောင်ဇော်ဝင်း"
    event = AuditEvent.objects.get(action="watchlists.imported")
    assert event.details == {"file_format": "csv", "rows_read": 6, "rows_added": 2}


def test_a_report_never_repeats_a_value_from_the_file():
    actor = keeper()
    watch_list = services.watchlist_create(actor=actor, name="L")
    result = _import(actor, watch_list, "name,phone,nrc", "Zeyar Htet,not-a-phone,bogus-nrc")
    text = repr(result.watch_import.report)
    for value in ("Zeyar", "not-a-phone", "bogus"):
        assert value not in text


def test_rows_already_on_the_list_are_duplicates_on_a_second_import():
    actor = keeper()
    watch_list = list_with(actor, "name,nrc", "Kyaw Zin Htun,12/LAMANA(N)123456")
    result = _import(actor, watch_list, "name,nrc", "kyaw zin htun,12/LAMANA(N)123456")
    assert result.watch_import.report[0]["status"] == "duplicate"
    assert WatchListEntry.objects.filter(watch_list=watch_list).count() == 1


def test_entries_are_encrypted_under_the_lists_key():
    actor = keeper()
    watch_list = list_with(actor, "name", "Thura Aung")
    entry = WatchListEntry.objects.get()
    assert entry.data_key_id == watch_list.data_key_id
    raw = WatchListEntry.objects.filter(pk=entry.pk).values_list("name_latin", flat=True)[0]
    assert "Thura" not in str(raw)


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: UserFactory(unit=UnitFactory(), roles=[Role.SCREENING_OFFICER]),
        lambda: UserFactory(unit=HeadquartersFactory(), roles=[Role.UNIT_HANDLER]),
        lambda: UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR]),
    ],
)
def test_only_headquarters_screening_officers_keep_lists(make_user):
    watch_list = services.watchlist_create(actor=keeper(), name="L")
    user = make_user()
    with pytest.raises(PermissionDenied):
        services.watchlist_create(actor=user, name="Mine")
    with pytest.raises(PermissionDenied):
        _import(user, watch_list, "name", "Aung")
    with pytest.raises(PermissionDenied):
        services.watchlist_set_active(actor=user, watch_list=watch_list, active=False)
    assert WatchList.objects.count() == 1
    assert not WatchListEntry.objects.exists()


def test_a_list_needs_a_name():
    with pytest.raises(ValidationError):
        services.watchlist_create(actor=keeper(), name="   ")


def test_a_failure_after_reading_leaves_nothing_half_written(monkeypatch):
    actor = keeper()
    watch_list = services.watchlist_create(actor=actor, name="L")

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        _import(actor, watch_list, "name", "Aung Aung", "Thura")
    assert not WatchListEntry.objects.exists()
    assert not watch_list.imports.exists()
