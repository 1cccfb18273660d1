"""What the armoury hands the reports app: items received per case, coarse.

Reads only columns kept in clear (kind, its category, whether it is
ammunition, calibre, quantity, date received); never a serial, marking
or place. For ammunition the quantity is rounds; for anything else,
pieces (one per line for a serialised weapon).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .models import Item


@dataclass(frozen=True)
class ItemFacts:
    category: str
    calibre: str
    quantity: int
    received_at: dt.datetime
    is_ammunition: bool = False


def items_for_reporting(case_ids: Iterable[int]) -> dict[int, list[ItemFacts]]:
    """Items received for each of `case_ids`, duplicates of an earlier
    serial left out (they are the same weapon)."""
    ids = sorted(set(case_ids))
    result: dict[int, list[ItemFacts]] = {}
    if not ids:
        return result
    rows = (
        Item.objects.filter(case_id__in=ids, duplicate_of__isnull=True)
        .order_by("pk")
        .values_list(
            "case_id",
            "kind__category",
            "kind__calibre",
            "calibre",
            "quantity",
            "received_at",
            "kind__is_ammunition",
        )
    )
    for case_id, category, kind_calibre, calibre, quantity, received_at, ammunition in rows:
        result.setdefault(case_id, []).append(
            ItemFacts(
                category=category,
                calibre=(calibre or kind_calibre or "").strip()[:30],
                quantity=int(quantity),
                received_at=received_at,
                is_ammunition=bool(ammunition),
            )
        )
    return result
