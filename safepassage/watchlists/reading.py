"""Read a watch-list file (CSV or XLSX) into rows, refusing what cannot be read.

A file is refused as a whole, with a message a screening officer can act
on, when it cannot be read at all: an unknown encoding, a malformed CSV
line, a damaged or oversized workbook, no header naming a usable column,
more than `MAX_ROWS` rows. Otherwise every row comes back with its number
in the file (the header is row 1), so the import can report on each row;
none is dropped here. Nothing of a row's content ever goes into a message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

#: Columns a list may hold, with the names spreadsheets tend to use for them.
COLUMNS = ("name", "name_my", "father_name", "date_of_birth", "nrc", "phone", "township", "notes")
ALIASES = {
    "name_latin": "name",
    "latin_name": "name",
    "burmese_name": "name_my",
    "father": "father_name",
    "fathers_name": "father_name",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "nrc_number": "nrc",
    "phone_number": "phone",
    "note": "notes",
}
#: At least one of these must be a column: the others cannot match alone.
MATCHABLE = frozenset({"name", "name_my", "nrc", "phone"})
MAX_ROWS = 20_000
MAX_COLUMNS = 64
#: An XLSX is a zip: refuse one that inflates beyond this (a zip bomb).
MAX_UNZIPPED = 64 * 1024 * 1024


class ListFileError(Exception):
    """The file cannot be read; `message` says why (translatable, no content)."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class SheetRow:
    number: int
    cells: dict[str, str]
    #: Problem codes found while reading (``row:extra_cells``).
    codes: list[str] = field(default_factory=list)


@dataclass
class ListFile:
    file_format: str  # "csv" or "xlsx"
    columns: list[str]
    #: Header cells that are not list columns: ignored, and said so.
    ignored_columns: list[str]
    rows: list[SheetRow]


def read_list_file(data: bytes) -> ListFile:
    if data.startswith(b"PK\x03\x04"):
        return _from_table("xlsx", _xlsx_rows(data))
    return _from_table("csv", _csv_rows(data))


def _header_name(cell: str) -> str:
    name = cell.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")
    name = name.replace("'", "")
    return ALIASES.get(name, name)


def _from_table(file_format: str, table: Iterator[list[str]]) -> ListFile:
    header = next(table, None)
    if header is None or not any(cell.strip() for cell in header):
        raise ListFileError(_("The file is empty: its first row must name the columns."))
    if len(header) > MAX_COLUMNS:
        raise ListFileError(_("The file has too many columns."))
    names = [_header_name(cell) for cell in header]
    known = [n for n in names if n in COLUMNS]
    if len(known) != len(set(known)):
        raise ListFileError(_("A column is named twice in the first row."))
    if not MATCHABLE.intersection(known):
        raise ListFileError(
            _(
                "The first row must name the columns, with at least one of: name, "
                "name_my, nrc, phone."
            )
        )
    ignored = [cell.strip()[:40] for cell, n in zip(header, names, strict=True) if n not in COLUMNS]
    rows: list[SheetRow] = []
    for number, cells in enumerate(table, start=2):
        if len(rows) >= MAX_ROWS:
            raise ListFileError(
                _("The file has more than %(max)s rows. Split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}"}
            )
        row = SheetRow(number, {})
        for name, cell in zip(names, cells, strict=False):
            if name in COLUMNS:
                row.cells[name] = cell
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
            row.codes.append("row:extra_cells")
        rows.append(row)
    return ListFile(file_format, [n for n in names if n in COLUMNS], ignored, rows)


# ------------------------------------------------------------------- CSV ----


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ListFileError(_("The file is not readable text.")) from None
    else:
        if b"\x00" in data:
            raise ListFileError(
                _("This is not a CSV file or an Excel workbook (.xlsx). Save it as one.")
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ListFileError(
                _(
                    "The file is not in UTF-8. Save it from the spreadsheet as 'CSV UTF-8', "
                    "or upload the Excel workbook (.xlsx) itself."
                )
            ) from None
    # strict: a quote left open or text after a closing quote is an error,
    # not a cell that silently swallows the following lines.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        yield from reader
    except csv.Error:
        raise ListFileError(
            _("Line %(line)s of the file is not valid CSV (a quote left open?).")
            % {"line": reader.line_num}
        ) from None


# ------------------------------------------------------------------ XLSX ----


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | Decimal) and value == int(value):
        return str(int(value))  # 1990.0 typed as a year, a phone without its 0
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import openpyxl  # defusedxml, installed beside it, guards its XML parsing

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
                raise ListFileError(_("The workbook is too large once unpacked."))
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ListFileError:
        raise
    except Exception:  # a damaged or hostile workbook: whatever openpyxl raises
        raise ListFileError(
            _("The workbook cannot be read. Save it again as an Excel workbook (.xlsx).")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1]:  # rows come padded to the widest
                cells.pop()
            yield cells
    except ListFileError:
        raise
    except Exception:
        raise ListFileError(
            _("The workbook cannot be read. Save it again as an Excel workbook (.xlsx).")
        ) from None
    finally:
        workbook.close()
