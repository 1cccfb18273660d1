"""`manage.py dedupe_csv` on good and hostile files: an error or a report,
never a traceback, never a dropped row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import icu
import pytest
from django.core.management import CommandError, call_command

HEADER = "id,name,name_my,father_name,date_of_birth,nrc,phone,township\n"
ROWS = (
    "a1,Ko Kyaw Zin,,U Tin,1995-04-03,12/MaYaKa(N)123456,09 797 123456,Mayangone\n"
    "a2,Kyao Zin,ကျော်ဇင်,ဦးတင်,03/04/1995,၁၂/မရက(နိုင်)၁၂၃၄၅၆,,MMR013042\n"
    "a3,Aung Aung,,U Ba,31-02-1990,,,MMR013042\n"
    "a4,Aung Aung,,U Hla,1971,,,MMR013042\n"
)


def run(tmp_path: Path, content: bytes | str, *extra: str) -> tuple[list[dict[str, str]], Path]:
    source = tmp_path / "in.csv"
    if isinstance(content, str):
        content = content.encode("utf-8")
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    call_command("dedupe_csv", str(source), "--output", str(out), *extra, stdout=io.StringIO())
    with out.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh)), out


def clusters(rows: list[dict[str, str]]) -> dict[str, str]:
    return {r["id"]: r["cluster"] for r in rows}


def test_duplicates_share_a_cluster_and_namesakes_do_not(tmp_path: Path) -> None:
    rows, _ = run(tmp_path, HEADER + ROWS)
    c = clusters(rows)
    assert list(c) == ["a1", "a2", "a3", "a4"]
    assert c["a1"] == c["a2"]
    assert c["a3"] != c["a4"]
    assert c["a1"] != c["a3"]


def test_scores_flag_adds_columns(tmp_path: Path) -> None:
    rows, _ = run(tmp_path, HEADER + ROWS, "--scores")
    assert set(rows[0]) == {"id", "cluster", "score", "cluster_size", "line"}
    assert float(rows[0]["score"]) > 0
    assert rows[0]["cluster_size"] == "2"


def test_clusters_are_numbered_in_order_of_their_first_row(tmp_path: Path) -> None:
    content = HEADER + ROWS[ROWS.index("a3") :] + ROWS[: ROWS.index("a3")]  # a3 a4 a1 a2
    rows, _ = run(tmp_path, content, "--scores")
    assert [(r["id"], r["cluster"], r["cluster_size"]) for r in rows] == [
        ("a3", "1", "1"),
        ("a4", "2", "1"),
        ("a1", "3", "2"),
        ("a2", "3", "2"),
    ]
    assert [r["line"] for r in rows] == ["2", "3", "4", "5"]


def test_blank_lines_do_not_count_towards_the_row_limit(tmp_path: Path) -> None:
    content = HEADER + "\n" * 5 + ROWS[: ROWS.index("a4")] + " , ,\n" * 5 + "\n" * 5
    rows, _ = run(tmp_path, content, "--max-rows", "3", "--scores")
    assert [(r["id"], r["line"]) for r in rows] == [("a1", "7"), ("a2", "8"), ("a3", "9")]


def test_overlong_cells_are_cut_and_the_row_kept(tmp_path: Path) -> None:
    rows, _ = run(tmp_path, HEADER + "x" * 5000 + ",Aung Aung" + "," * 6 + "\n")
    assert [r["id"] for r in rows] == ["x" * 200]


def test_utf8_with_bom_and_reordered_columns_are_accepted(tmp_path: Path) -> None:
    content = "\ufeffNAME,Id,name_my,father_name,date_of_birth,nrc,phone,township,extra\n"
    content += "Aung,x1,,,,,,,whatever\n"
    rows, _ = run(tmp_path, content)
    assert clusters(rows) == {"x1": "1"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((HEADER + ROWS).encode("utf-16"), "UTF-16"),
        (
            (HEADER + "a1,Thet Hein,,,,,,Mayangone\n").encode("utf-8") + b"a2,Caf\xe9,,,,,,\n",
            "not UTF-8",
        ),
        (b"PK\x03\x04\x00\x00binary", "NUL bytes"),
        (b"", "empty"),
        (
            "id,name,phone\na1,Aung,09\n",
            "missing column(s): name_my, father_name, date_of_birth, nrc, township",
        ),
        (HEADER + 'a1,"Aung,,,,,,\n', "malformed CSV"),
        (HEADER.replace(",", ";") + "a1;Aung;;;;;;\n", "separated by semicolons"),
        (HEADER.replace(",", "\t") + "a1\tAung\t\t\t\t\t\t\n", "separated by tabs"),
        (
            HEADER.replace("\n", ",Name\n") + "a1,Aung,,,,,,,Kyaw\n",
            "names column(s) more than once: name",
        ),
    ],
)
def test_hostile_files_give_a_clear_error(
    tmp_path: Path, content: bytes | str, message: str
) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(tmp_path, content)
    assert not (tmp_path / "out.csv").exists()


def test_file_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="above the limit"):
        run(tmp_path, HEADER + ROWS, "--max-bytes", "100")


def test_file_above_the_row_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="more than 3 rows"):
        run(tmp_path, HEADER + ROWS, "--max-rows", "3")


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("dedupe_csv", str(tmp_path / "nope.csv"), "--output", str(tmp_path / "o.csv"))


def test_bad_rows_are_reported_never_dropped(tmp_path: Path) -> None:
    zawgyi = icu.Transliterator.createInstance("my-Zawgyi").transliterate("ကျော်ဇင်")
    content = HEADER + ROWS
    content += "a1,Dup Id,,,,,,\n"  # duplicated id
    content += ",No Id,,,,,,\n"  # missing id
    content += "a5,Short\n"  # too few cells
    content += "a6,Long,,,,,,,,extra\n"  # too many cells
    content += f"a7,,{zawgyi},,2099,hello,12,Atlantis\n"  # Zawgyi, bad fields
    content += "\n"  # blank line: not a row
    content += " , ,\t,,,,, \n"  # only spaces: not a row either
    report = tmp_path / "report.csv"
    rows, _ = run(tmp_path, content, "--report", str(report))
    ids = [r["id"] for r in rows]
    assert ids == ["a1", "a2", "a3", "a4", "a1", "line-7", "a5", "a6", "a7"]
    with report.open(encoding="utf-8") as fh:
        codes = {(r["line"], r["code"]) for r in csv.DictReader(fh)}
    assert ("4", "date_of_birth:impossible") in codes
    assert ("6", "id:duplicate") in codes
    assert ("7", "id:missing") in codes
    assert ("8", "row:cells_too_few") in codes
    assert ("9", "row:cells_too_many") in codes
    assert {
        ("10", "date_of_birth:year_range"),
        ("10", "nrc:unreadable"),
        ("10", "phone:unreadable"),
        ("10", "township:unknown"),
    } <= codes
    # The Zawgyi name still meets its Unicode spelling.
    c = clusters(rows[:4] + rows[-1:])
    assert c["a7"] != c["a3"]


def test_report_holds_no_personal_data(tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    run(tmp_path, HEADER + "a1,Secret Name,,,31-02-1990,,,\n", "--report", str(report))
    assert "Secret" not in report.read_text(encoding="utf-8")


@pytest.mark.usefixtures("locked_vault")
def test_runs_with_the_vault_locked(tmp_path: Path) -> None:
    rows, _ = run(tmp_path, HEADER + ROWS)
    assert len(rows) == 4


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    rows, _ = run(tmp_path, HEADER + ROWS)
    assert len(rows) == 4
    assert "rows" in terminal.getvalue()


def test_no_progress_bar_when_stderr_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    run(tmp_path, HEADER + ROWS)
    assert piped.getvalue() == ""


def test_a_header_and_blank_lines_give_an_empty_output(tmp_path: Path) -> None:
    rows, out = run(tmp_path, HEADER + "\n \n,,\n", "--scores")
    assert rows == []
    assert out.read_text(encoding="utf-8").splitlines() == ["id,cluster,score,cluster_size,line"]


def test_a_row_of_the_wrong_width_is_reported_under_its_id(tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    content = HEADER + "a1,Aung,,,,,,,,extra\n" + "a2,Kyaw\n"
    rows, _ = run(tmp_path, content, "--report", str(report))
    assert [r["id"] for r in rows] == ["a1", "a2"]
    with report.open(encoding="utf-8") as fh:
        found = [(r["line"], r["id"], r["code"]) for r in csv.DictReader(fh)]
    assert found == [("2", "a1", "row:cells_too_many"), ("3", "a2", "row:cells_too_few")]
