"""Great-circle distances between townships (or bare points).

A township's point is its seat, so a distance is "seat to seat": good to a
few tens of kilometres, enough to rank units by nearness, not to plan a
route. Unknown points give `None`, never 0 and never an exception.
"""

from __future__ import annotations

import math
from typing import Protocol

from .models import Point

# Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


class HasPoint(Protocol):
    @property
    def point(self) -> Point | None: ...


Located = HasPoint | Point | None


def _point(value: Located) -> Point | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        point: Point | None = value
    else:
        point = value.point
    if point is None:
        return None
    lat, lon = point
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return (float(lat), float(lon))


def distance_km(a: Located, b: Located) -> float | None:
    """Haversine distance in km between two townships or (lat, lon) points.

    None when either point is unknown (a township without a point, `None`,
    or a non-finite coordinate). Symmetric; 0.0 for the same point.
    """
    pa, pb = _point(a), _point(b)
    if pa is None or pb is None:
        return None
    lat1, lon1 = map(math.radians, pa)
    lat2, lon2 = map(math.radians, pb)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    # min() guards asin against rounding just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
