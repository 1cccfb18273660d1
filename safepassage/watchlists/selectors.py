"""Every read of a watch-list starts from what this user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from safepassage.screening.records import PersonRecord

from .matching import watchlist_index
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


def watchlist_entries(*, watch_list: WatchList, limit: int = 500) -> list[WatchListEntry]:
    return list(watch_list.entries.select_related("data_key__unit_key")[:limit])


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


def watchlist_hits(*, user: Any, record: PersonRecord) -> list[WatchHit]:
    """Active-list entries that look like `record`, best first (decrypts the lists' names)."""
    index = watchlist_index()
    found = index.search(record, limit=WATCHLIST_HITS)
    if not found:
        return []
    entries = {
        e.pk: e
        for e in WatchListEntry.objects.filter(
            pk__in=[int(c.id) for c in found],
            watch_list__is_active=True,
            data_key__shredded_at__isnull=True,
        ).select_related("watch_list__data_key__unit_key", "data_key__unit_key")
    }
    keeper = user_keeps_watchlists(user)
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
            )
        )
    return hits
