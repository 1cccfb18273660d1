"""Every read of a watch-list starts from what this user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from safepassage.audit.services import integrity_failures_report
from safepassage.screening.records import PersonRecord
from safepassage.vault.exceptions import DecryptionError, KeyShredded

from .matching import entry_record, watchlist_index, watchlist_index_unreadable
from .models import WatchList, WatchListEntry, WatchListImport
from .policies import user_keeps_watchlists

WATCHLIST_HITS = 5
#: What a list's page decrypts of each entry.
ENTRY_FIELDS = (
    "name_latin",
    "name_my",
    "father_name",
    "date_of_birth",
    "nrc",
    "phone",
    "township",
    "notes",
)


class WatchListNotFound(Exception):
    """No such list for this user (absent, or not a keeper of lists)."""


def watchlists_visible_to(user: Any) -> QuerySet[WatchList]:
    if not user_keeps_watchlists(user):
        return WatchList.objects.none()
    return WatchList.objects.filter(unit_id=user.unit_id, data_key__shredded_at__isnull=True)


def watchlist_get_for_user(*, user: Any, pk: int) -> WatchList:
    found = watchlists_visible_to(user).select_related("data_key__unit_key").filter(pk=pk).first()
    if found is None:
        raise WatchListNotFound()
    return found


def _readable(
    entries: Iterable[WatchListEntry], *, found_in: str
) -> tuple[list[WatchListEntry], int]:
    """The entries whose fields all decrypt (decrypted now, so that a page
    never stops half-way on one), and how many were left out; each left
    out gets an integrity alert (once per row)."""
    readable: list[WatchListEntry] = []
    failures: list[DecryptionError] = []
    for entry in entries:
        try:
            entry_record(entry)
            _ = entry.notes
        except KeyShredded:
            continue
        except DecryptionError as exc:
            failures.append(exc)
            continue
        readable.append(entry)
    integrity_failures_report(errors=failures, found_in=found_in)
    return readable, len(failures)


def watchlist_entries(
    *, watch_list: WatchList, limit: int = 500
) -> tuple[list[WatchListEntry], int]:
    """The list's first `limit` entries that can be read, and how many of
    those failed their integrity check and are left out."""
    return _readable(
        watch_list.entries.select_related("data_key__unit_key")[:limit],
        found_in="watchlists.detail",
    )


def watchlist_unreadable() -> int:
    """Entries the screening index leaves out: they failed their integrity check."""
    return watchlist_index_unreadable()


def watchlist_imports(*, watch_list: WatchList) -> list[WatchListImport]:
    return list(watch_list.imports.select_related("imported_by"))


@dataclass(frozen=True)
class WatchHit:
    """A watch-list entry that looks like a screened person.

    `entry` is set only for a keeper of lists; anyone else who may screen
    learns the list's name, the score and the reasons.
    """

    watch_list: WatchList
    entry_id: int
    score: float
    explanation: str
    entry: WatchListEntry | None
    #: the list's name; None when it failed its integrity check (the hit
    #: is shown without it, and headquarters is alerted once)
    list_name: str | None = None


def watchlist_hits(*, user: Any, record: PersonRecord) -> list[WatchHit]:
    """Active-list entries that look like `record`, best first (decrypts the lists' names)."""
    index = watchlist_index()
    found = index.search(record, limit=WATCHLIST_HITS)
    if not found:
        return []
    readable, _left_out = _readable(
        WatchListEntry.objects.filter(
            pk__in=[int(c.id) for c in found],
            watch_list__is_active=True,
            data_key__shredded_at__isnull=True,
        ).select_related("watch_list__data_key__unit_key", "data_key__unit_key"),
        found_in="watchlists.hits",
    )
    entries = {e.pk: e for e in readable}
    keeper = user_keeps_watchlists(user)
    names = _list_names({e.watch_list for e in readable})
    hits = []
    for candidate in found:
        entry = entries.get(int(candidate.id))
        if entry is None:
            continue
        hits.append(
            WatchHit(
                watch_list=entry.watch_list,
                entry_id=entry.pk,
                score=candidate.score,
                explanation=candidate.explanation,
                entry=entry if keeper else None,
                list_name=names.get(entry.watch_list_id),
            )
        )
    return hits


def _list_names(watch_lists: Iterable[WatchList]) -> dict[int, str]:
    """The names of `watch_lists` that can be read. A name that fails its
    integrity check is missing (its hits still show, without it) and is
    reported once: one altered list name never hides the hits."""
    names: dict[int, str] = {}
    failures: list[DecryptionError] = []
    for watch_list in watch_lists:
        try:
            names[watch_list.pk] = watch_list.name
        except KeyShredded:
            continue
        except DecryptionError as exc:
            failures.append(exc)
    integrity_failures_report(errors=failures, found_in="watchlists.hits")
    return names
