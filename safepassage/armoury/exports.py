"""Exports of the register and the claims for auditors, as CSV and XLSX.

Rows carry case codes, never names, serials or places. Every cell that a
spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) is prefixed with an apostrophe, so an exported file
cannot run anything when opened. The caller audits each export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import Workbook

from .models import Claim, Item
from .pricing import to_major

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ITEM_HEADER = (
    "item",
    "case_code",
    "receiving_unit",
    "holding_unit",
    "kind",
    "model",
    "calibre",
    "condition",
    "quantity",
    "state",
    "received_at",
    "duplicate_of_item",
)
CLAIM_HEADER = (
    "claim",
    "case_code",
    "unit",
    "status",
    "currency",
    "computed",
    "total",
    "needs_headquarters",
    "proposed_by",
    "proposed_at",
    "decided_by",
    "decided_at",
    "paid_at",
)


def safe_cell(value: Any) -> Any:
    """The value, or for text a copy no spreadsheet reads as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def item_rows(items: Iterable[Item]) -> Iterator[Sequence[Any]]:
    for i in items:
        yield (
            i.pk,
            i.case.code,
            i.unit.name,
            i.holder.name if i.holder else "",
            i.kind.code,
            i.model_name,
            i.calibre,
            i.condition,
            i.quantity,
            i.state,
            i.received_at.isoformat(),
            i.duplicate_of_id,
        )


def claim_rows(claims: Iterable[Claim]) -> Iterator[Sequence[Any]]:
    for c in claims:
        yield (
            c.pk,
            c.case.code,
            c.unit.name,
            c.status,
            c.currency,
            str(to_major(c.computed_minor, c.currency)),
            str(to_major(c.total_minor, c.currency)),
            c.needs_hq,
            c.proposed_by.username,
            c.proposed_at.isoformat(),
            c.decided_by.username if c.decided_by else "",
            c.decided_at.isoformat() if c.decided_at else "",
            c.paid_at.isoformat() if c.paid_at else "",
        )


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("export")
    sheet.append(list(header))
    for row in rows:
        # Text cells are stored as strings (data_type "s"), never formulas.
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
