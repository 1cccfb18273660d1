"""A published table as CSV or XLSX, in the convention of government statistics.

Layout (both formats): the header row holds the title in its first cell,
then the column labels, then ``Total``; each following row holds a row
label, its cells and its row total; the last row holds ``Total``, the
column totals and the grand total. A suppressed value is written ``[c]``.

Only a ``Published`` table can be written: what an export holds is
exactly what the page shows, with the same suppression. Text that a
spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) is written with a leading apostrophe (OWASP's advice on
CSV injection); the XLSX writer also stores every label as text, never as
a formula. The caller audits each export.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from typing import BinaryIO, TextIO

from django.utils.translation import gettext
from openpyxl import Workbook

from .disclosure import Published

SUPPRESSED = "[c]"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters Excel refuses in a sheet's name, and its length limit.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31


def safe_text(text: str) -> str:
    """The text, or a copy that no spreadsheet reads as a formula."""
    text = str(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def table_rows(published: Published, *, title: str) -> list[list[str | int]]:
    """The rows of the export: text is made safe, hidden values are ``[c]``."""
    total_label = gettext("Total")

    def value(v: int | None) -> str | int:
        return SUPPRESSED if v is None else v

    rows: list[list[str | int]] = [
        [safe_text(title), *(safe_text(c) for c in published.col_labels), total_label]
    ]
    for label, cells, row_total in zip(
        published.row_labels, published.cells, published.row_totals, strict=True
    ):
        rows.append([safe_text(label), *(value(v) for v in cells), value(row_total)])
    rows.append([total_label, *(value(v) for v in published.col_totals), value(published.total)])
    return rows


def write_csv(published: Published, out: TextIO, *, title: str) -> None:
    """Write the table as CSV (RFC 4180 quoting, UTF-8 is the caller's choice)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(table_rows(published, title=title))


def write_xlsx(published: Published, out: BinaryIO, *, title: str) -> None:
    """Write the table as a one-sheet workbook: counts as numbers, ``[c]`` as text."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = _sheet_name(title)
    for r, row in enumerate(table_rows(published, title=title), start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    book.save(out)


def _sheet_name(title: str) -> str:
    name = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'")[:_SHEET_MAX].strip()
    return name or "Report"


def parse_value(text: str | int | float | None) -> int | None:
    """A written value read back: ``[c]`` is ``None``, a count is an int."""
    if text == SUPPRESSED:
        return None
    if isinstance(text, int | float):
        return int(text)
    if text is None or not str(text).strip().isdigit():
        raise ValueError(f"not a count: {text!r}")
    return int(str(text))


__all__: Sequence[str] = ["SUPPRESSED", "parse_value", "safe_text", "write_csv", "write_xlsx"]
