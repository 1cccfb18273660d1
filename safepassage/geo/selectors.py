"""Reads of the place tables: township look-up by name or place code.

`township_search` never touches the database after the first call in a
process: it scans an in-memory index of the 358 townships (see
`search.py`). Place names are reference data, not personal data, but a
query may be a person's home township: it is never logged or stored here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from .distance import distance_km
from .models import Township
from .search import PCODE_RE, IndexedTownship, TownshipIndex, clear_index, get_index

__all__ = [
    "TownshipMatch",
    "township_by_pcode",
    "township_index_clear",
    "township_nearest",
    "township_search",
    "townships_all",
    "townships_among",
]

#: Farther than this from every township's point, a location is not
#: matched to any (it is outside the country or wrong).
NEAREST_WITHIN_KM = 150.0


@dataclass(frozen=True, slots=True)
class TownshipMatch:
    """One search result.

    `score` is 0-100 (100: the query is the name, the Burmese name, its
    Zawgyi spelling or the place code). `exact` is true for a name or alias
    typed exactly (ignoring case, spaces, hyphens and the word
    "township"); exact matches come first. `matched` is the name or alias
    that matched, to show the user why.
    """

    pcode: str
    name_en: str
    name_my: str
    district_en: str
    state_en: str
    score: float
    exact: bool
    matched: str


def _build_index() -> TownshipIndex:
    rows = [
        (IndexedTownship(pcode, name_en, name_my, district_en, state_en), zawgyi)
        for pcode, name_en, name_my, zawgyi, district_en, state_en in Township.objects.order_by(
            "pcode"
        ).values_list(
            "pcode",
            "name_en",
            "name_my",
            "name_my_zawgyi",
            "district__name_en",
            "district__state__name_en",
        )
    ]
    return TownshipIndex(rows)


def township_search(query: str, limit: int = 10) -> list[TownshipMatch]:
    """Townships whose name (English, Burmese, Zawgyi) or place code matches.

    Tolerant of case, spacing, hyphens, romanisation variants and typing
    mistakes; Burmese input is normalised to Unicode first. Never raises
    for any string; returns [] for a blank query or a non-positive limit.
    """
    if not isinstance(query, str) or limit <= 0 or not query.strip():
        return []
    index = get_index(_build_index)
    matches = []
    for hit in index.search(query, limit):
        t = index.townships[hit.position]
        matches.append(
            TownshipMatch(
                pcode=t.pcode,
                name_en=t.name_en,
                name_my=t.name_my,
                district_en=t.district_en,
                state_en=t.state_en,
                score=round(hit.score, 1),
                exact=hit.exact,
                matched=hit.matched,
            )
        )
    return matches


def township_by_pcode(pcode: str) -> Township | None:
    """The township with this MIMU place code (e.g. "MMR013008"), or None."""
    if not isinstance(pcode, str):
        return None
    pcode = pcode.strip().upper()
    if not PCODE_RE.fullmatch(pcode):
        return None
    return Township.objects.select_related("district__state").filter(pk=pcode).first()


def townships_all() -> QuerySet[Township]:
    """Every township with its district and state, by English name (a
    form's choices; nothing is read until the choices are)."""
    return Township.objects.select_related("district__state").order_by("name_en")


def townships_among(pcodes: Iterable[str]) -> list[Township]:
    """The townships of these place codes, by place code. `pcodes` may be
    a queryset of codes (one query, the codes as a sub-query)."""
    return list(Township.objects.filter(pk__in=pcodes).order_by("pcode"))


def township_nearest(latitude: float, longitude: float) -> Township | None:
    """The township whose point is nearest to (`latitude`, `longitude`),
    within NEAREST_WITHIN_KM; None otherwise, and for a point that is not a
    point. Computed here: the location is never sent anywhere."""
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    best: tuple[float, Township] | None = None
    for township in Township.objects.filter(lat__isnull=False, lon__isnull=False):
        distance = distance_km((latitude, longitude), township)
        if distance is not None and (best is None or distance < best[0]):
            best = (distance, township)
    if best is None or best[0] > NEAREST_WITHIN_KM:
        return None
    return best[1]


def township_index_clear() -> None:
    """Drop the in-memory index; the next search rebuilds it."""
    clear_index()
