"""Auditors' exports of payments: case codes, never names; CSV and XLSX.

Every text cell that a spreadsheet would read as a formula (=, +, -, @,
tab, carriage return) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook

from .models import Payment

HEADER = (
    "payment",
    "date_utc",
    "unit",
    "case_code",
    "amount_minor",
    "currency",
    "method",
    "source_kind",
    "source_id",
    "ledger_sequence",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: Any) -> Any:
    """A safe cell: numbers stay numbers, text never starts a formula."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def rows(payments: Iterable[Payment]) -> Iterator[tuple[Any, ...]]:
    for payment in payments:
        yield tuple(
            cell(v)
            for v in (
                payment.pk,
                payment.created_at.isoformat(timespec="seconds"),
                payment.unit.name,
                payment.case.code,
                payment.amount_minor,
                payment.currency,
                payment.method,
                payment.source_kind,
                payment.source_id,
                payment.transaction.sequence,
            )
        )


def as_csv(payments: Iterable[Payment]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows(payments))
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(payments: Iterable[Payment]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("payments")
    sheet.append(list(HEADER))
    for row in rows(payments):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
