"""Reading list files: what is refused as a whole, and what comes back row by row."""

from __future__ import annotations

import contextlib
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.watchlists.reading import MAX_ROWS, ListFileError, read_list_file
from safepassage.watchlists.tests.factories import csv_bytes, xlsx_bytes

HEADER = "name,name_my,father_name,date_of_birth,nrc,phone,township,notes"


def test_csv_rows_come_back_with_their_numbers_and_known_columns():
    sheet = read_list_file(
        csv_bytes("Name, Date of Birth ,Unit", "Kyaw Zin Htun,1990-01-02,LIB 1", ",,")
    )
    assert sheet.file_format == "csv"
    assert sheet.columns == ["name", "date_of_birth"]
    assert sheet.ignored_columns == ["Unit"]
    assert [r.number for r in sheet.rows] == [2, 3]
    assert sheet.rows[0].cells == {"name": "Kyaw Zin Htun", "date_of_birth": "1990-01-02"}


def test_a_byte_order_mark_and_utf16_are_read():
    assert read_list_file(b"\xef\xbb\xbf" + csv_bytes("name", "Aung")).rows[0].cells == {
        "name": "Aung"
    }
    utf16 = csv_bytes("name,nrc", "Aung,12/LAMANA(N)123456", encoding="utf-16")
    assert read_list_file(utf16).rows[0].cells["nrc"] == "12/LAMANA(N)123456"


def test_extra_cells_are_reported_on_the_row():
    sheet = read_list_file(csv_bytes("name,phone", "Aung,0942000,surplus"))
    assert sheet.rows[0].codes == ["row:extra_cells"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (csv_bytes("", "Aung"), "empty"),
        ("name\nMaung Thet\xe9\n".encode("cp1252"), "UTF-8"),
        (b"name\x00\x01\x02", "not a CSV"),
        (csv_bytes("father_name,notes", "U Ba,x"), "at least one of"),
        (csv_bytes("name,Name", "a,b"), "twice"),
        (csv_bytes("name", '"open quote'), "not valid CSV"),
        (csv_bytes(",".join(f"c{i}" for i in range(70))), "too many columns"),
        (b"PK\x03\x04 not really a zip", "cannot be read"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(data, says):
    with pytest.raises(ListFileError) as caught:
        read_list_file(data)
    assert says in str(caught.value.message)


def test_more_rows_than_the_limit_are_refused():
    data = csv_bytes("name", *(["Aung"] * (MAX_ROWS + 1)))
    with pytest.raises(ListFileError, match="more than"):
        read_list_file(data)


def test_xlsx_cells_become_text():
    import datetime as dt

    sheet = read_list_file(
        xlsx_bytes(
            [
                ["name", "date_of_birth", "phone", "notes"],
                ["Kyaw Zin Htun", dt.date(1990, 1, 2), 9420000777, None],
                ["Aung Aung", 1990.0, "09-420-000-778", 1.5],
            ]
        )
    )
    assert sheet.file_format == "xlsx"
    assert sheet.rows[0].cells == {
        "name": "Kyaw Zin Htun",
        "date_of_birth": "1990-01-02",
        "phone": "9420000777",
    }  # an empty last cell is simply absent
    assert sheet.rows[1].cells["date_of_birth"] == "1990"
    assert sheet.rows[1].cells["notes"] == "1.5"


def test_a_workbook_that_inflates_too_far_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (65 * 1024 * 1024))
    with pytest.raises(ListFileError, match="too large"):
        read_list_file(out.getvalue())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_refused_never_a_crash(data):
    try:
        sheet = read_list_file(data)
    except ListFileError:
        return
    assert all(r.number >= 2 for r in sheet.rows)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=500))
def test_any_text_under_a_header_is_read_or_refused(text):
    with contextlib.suppress(ListFileError):
        read_list_file((HEADER + "\n" + text).encode("utf-8"))
