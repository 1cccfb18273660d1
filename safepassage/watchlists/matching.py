"""Every active watch-list entry, in memory, for screening.

Entries are never edited, only added (or their list deactivated, or its
key shredded), so the index reads the entries added since its last use
(plus `REREAD`, for a transaction that committed late) and the display
side drops entries of lists inactive or shredded since. Like the case index
(`safepassage.cases.screening.index`), it lives only in the memory of a process
that holds the unlocked key ring.

An entry that fails its integrity check is left out (never read again by
this index: entries are never edited), given an integrity alert for
headquarters once, and counted by `watchlist_index_unreadable`, so that
one altered entry does not stop the screening panel of every unit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from safepassage.audit.services import integrity_failures_report
from safepassage.screening.index import ScreeningIndex
from safepassage.screening.records import PersonRecord
from safepassage.vault.exceptions import DecryptionError, KeyShredded

from .models import WatchListEntry

REREAD = timedelta(minutes=5)
FOUND_IN = "watchlists.index"


def cells_record(id: str, cells: dict[str, str]) -> PersonRecord:
    """The engine's view of a list row (`reading.COLUMNS` as keys)."""
    return PersonRecord(
        id=id,
        name=cells.get("name", ""),
        name_my=cells.get("name_my", ""),
        father_name=cells.get("father_name", ""),
        date_of_birth=cells.get("date_of_birth", ""),
        nrc=cells.get("nrc", ""),
        phone=cells.get("phone", ""),
        township=cells.get("township", ""),
    )


def entry_record(entry: WatchListEntry) -> PersonRecord:
    return PersonRecord(
        id=str(entry.pk),
        name=entry.name_latin or "",
        name_my=entry.name_my or "",
        father_name=entry.father_name or "",
        date_of_birth=entry.date_of_birth or "",
        nrc=entry.nrc or "",
        phone=entry.phone or "",
        township=entry.township or "",
    )


class _EntryIndex:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: ScreeningIndex | None = None
        self.watermark: datetime | None = None
        #: ids of the entries left out: they failed their integrity check
        self.left_out: set[int] = set()

    def current(self) -> ScreeningIndex:
        with self.lock:
            if self.index is None:
                self.index = ScreeningIndex([], this_year=timezone.now().year)
            # Inactive lists stay indexed (a list may be reactivated); the
            # selectors show hits of active lists only.
            entries = WatchListEntry.objects.filter(data_key__shredded_at__isnull=True)
            known = self.index.positions
            rows: Iterable[WatchListEntry]
            if self.watermark is None:  # the first read streams every entry
                rows = entries.select_related("watch_list", "data_key__unit_key").iterator(
                    chunk_size=2000
                )
            else:
                # A refresh lists the recent entries' ids (one light query)
                # and reads only the new ones, at once.
                recent = entries.filter(created_at__gte=self.watermark - REREAD)
                new = [pk for pk in recent.values_list("pk", flat=True) if str(pk) not in known]
                if not new:
                    return self.index
                rows = entries.filter(pk__in=new).select_related("watch_list", "data_key__unit_key")
            failures: list[DecryptionError] = []
            for entry in rows:
                if str(entry.pk) in known or entry.pk in self.left_out:
                    continue
                if self.watermark is None or entry.created_at > self.watermark:
                    self.watermark = entry.created_at
                try:
                    record = entry_record(entry)
                except KeyShredded:  # shredded since the query: gone, not altered
                    continue
                except DecryptionError as exc:
                    failures.append(exc)
                    self.left_out.add(entry.pk)
                    continue
                self.index.add(record)
            integrity_failures_report(errors=failures, found_in=FOUND_IN)
            return self.index


_entries = _EntryIndex()


def watchlist_index() -> ScreeningIndex:
    return _entries.current()


def watchlist_index_unreadable() -> int:
    """How many entries the index leaves out (they failed their integrity check)."""
    return len(_entries.left_out)


def watchlist_index_reset() -> None:
    global _entries
    _entries = _EntryIndex()
