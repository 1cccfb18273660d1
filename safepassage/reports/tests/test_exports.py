"""Exports read back equal what was published, suppression and all."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from safepassage.reports.disclosure import Published, Table, publish
from safepassage.reports.exports import parse_value, safe_text, write_csv, write_xlsx

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "ရန်ကုန်", 'a,"b"\n']


def _published() -> Published:
    t = Table.from_rows(
        ["Sagaing", "=cmd|' /C calc'!A0", "မန္တလေး"],
        ["LIB", "-IB", "ရဲ"],
        [[1, 20, 30], [15, 2, 40], [25, 30, 50]],
    )
    return publish(t, k=10)


def _unsafe(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def _check(rows: list[list[object]], p: Published, title: str) -> None:
    header, *body, last = rows
    assert _unsafe(str(header[0])) == title
    assert [_unsafe(str(c)) for c in header[1:-1]] == list(p.col_labels)
    assert header[-1] == "Total"
    assert [_unsafe(str(r[0])) for r in body] == list(p.row_labels)
    for row, cells, row_total in zip(body, p.cells, p.row_totals, strict=True):
        assert [parse_value(v) for v in row[1:-1]] == list(cells)  # type: ignore[arg-type]
        assert parse_value(row[-1]) == row_total  # type: ignore[arg-type]
    assert last[0] == "Total"
    assert [parse_value(v) for v in last[1:-1]] == list(p.col_totals)  # type: ignore[arg-type]
    assert parse_value(last[-1]) == p.total  # type: ignore[arg-type]


def test_csv_round_trip_with_suppressed_cells_and_totals() -> None:
    p = _published()
    out = io.StringIO()
    write_csv(p, out, title="Defections by region")
    text = out.getvalue()
    assert "[c]" in text
    rows = list(csv.reader(io.StringIO(text)))
    _check(rows, p, "Defections by region")  # type: ignore[arg-type]
    assert rows[1][1] == "[c]"


def test_xlsx_round_trip_numbers_as_numbers_and_c_as_text() -> None:
    p = _published()
    out = io.BytesIO()
    write_xlsx(p, out, title="Defections: by region [2026]")
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    assert sheet.title == "Defections  by region  2026"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    _check(rows, p, "Defections: by region [2026]")
    assert rows[1][1] == "[c]"
    assert isinstance(rows[3][3], int)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("label", HOSTILE)
def test_no_label_is_read_as_a_formula(label: str) -> None:
    p = publish(Table.from_rows([label], [label], [[12]]), k=10)
    out = io.StringIO()
    write_csv(p, out, title=label)
    for row in csv.reader(io.StringIO(out.getvalue())):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    book_out = io.BytesIO()
    write_xlsx(p, book_out, title=label)
    sheet = load_workbook(io.BytesIO(book_out.getvalue())).active
    assert sheet is not None
    for row in sheet.iter_rows():
        for c in row:
            assert c.data_type != "f"
            if isinstance(c.value, str):
                assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_safe_text_leaves_ordinary_labels_alone() -> None:
    assert safe_text("Magway") == "Magway"
    assert safe_text("=1+1") == "'=1+1"


def test_parse_value_refuses_what_is_not_a_count() -> None:
    with pytest.raises(ValueError, match="not a count"):
        parse_value("12a")


def test_an_empty_table_exports_its_total_only() -> None:
    p = publish(Table((), (), ()), k=10)
    out = io.StringIO()
    write_csv(p, out, title="Nothing")
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["Nothing", "Total"], ["Total", "0"]]


@settings(max_examples=30, deadline=None)
@given(
    labels=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4, unique=True),
    counts=st.lists(st.integers(0, 60), min_size=4, max_size=4),
)
def test_any_labels_round_trip_through_csv(labels: list[str], counts: list[int]) -> None:
    t = Table.from_rows(
        labels, ["a", "b"], [[counts[n % 4], counts[(n + 1) % 4]] for n in range(len(labels))]
    )
    p = publish(t, k=5)
    out = io.StringIO()
    write_csv(p, out, title="t")
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    got = [r[0] for r in rows[1:-1]]
    assert got == [safe_text(label) for label in labels]
