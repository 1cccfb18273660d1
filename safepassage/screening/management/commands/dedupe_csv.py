"""``manage.py dedupe_csv INPUT.csv --output OUTPUT.csv``: batch de-duplication.

Input: UTF-8 CSV (a byte-order mark is accepted) with a header holding the
columns ``id, name, name_my, father_name, date_of_birth, nrc, phone,
township`` (any order, any case, extra columns ignored; every cell may be
empty). Output: ``id, cluster`` for every input row, in input order; rows
with the same ``cluster`` number are one person. ``--scores`` adds
``score`` (the best match score that put the row in its cluster, 0 alone),
``cluster_size`` and ``line`` (the input line).

Works on the file alone: no database, no key ring (the vault may stay
locked). Nothing personal is printed; the report names lines and codes.

Bad input:
* not UTF-8 (UTF-16, CP1252, binary), a missing column, a malformed CSV
  line: a clear error, nothing written;
* a file larger than ``--max-bytes`` (default 1 GiB, about 8 million
  rows) or with more than ``--max-rows`` rows (default 2,000,000): refused
  before reading it all, since all rows are held in memory (about 2 GB
  for 1,000,000 rows, docs/benchmarks.md);
* per row, kept and reported in ``--report`` (``line, id, code``), never
  dropped: a duplicated id (``id:duplicate``; both rows are kept as
  different rows, told apart by their line), a missing id (``id:missing``,
  the row gets the id ``line-N``), too many or too few cells, unreadable
  dates, NRCs, phones and townships (``date_of_birth:impossible`` ...).
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from safepassage.screening.dedupe import dedupe_rows, default_workers

COLUMNS = ("id", "name", "name_my", "father_name", "date_of_birth", "nrc", "phone", "township")
DEFAULT_MAX_BYTES = 1 << 30
DEFAULT_MAX_ROWS = 2_000_000
#: Cells longer than this are cut: no name, date or number is this long.
MAX_CELL = 200
# The csv module's own limit, raised a little: a longer cell is an error.
csv.field_size_limit(1 << 20)


class Command(BaseCommand):
    help = "De-duplicate a CSV list of people: same cluster number = same person."
    # A file in, a file out: no database, no system checks that might need one.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--report", type=Path, help="CSV of per-row warnings")
        parser.add_argument("--scores", action="store_true", help="add score columns")
        parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES)
        parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS)
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="processes reading the cells (default 0: one per core, at most 4; 1: none "
            "forked, least memory)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["input"]
        output: Path = options["output"]
        if not source.is_file():
            raise CommandError(f"{source}: no such file.")
        size = source.stat().st_size
        if size > options["max_bytes"]:
            raise CommandError(
                f"{source}: {size:,} bytes is above the limit of {options['max_bytes']:,} "
                "(all rows are held in memory). Split the file, or raise --max-bytes "
                "if the machine has the memory (about 2 GB per million rows)."
            )
        _check_encoding(source)
        show = sys.stderr.isatty()
        rows, lines, report = self._read(source, options["max_rows"], show)
        workers = options["workers"] or default_workers()
        result = dedupe_rows(
            rows,
            this_year=timezone.now().year,
            workers=workers,
            progress=_progress(len(rows)) if show else None,
        )
        for index, warnings in enumerate(result.warnings):
            for code in warnings:
                report.append((lines[index], rows[index][0], code))
        numbers: dict[int, int] = {}
        for label in result.clusters:
            numbers.setdefault(label, len(numbers) + 1)
        sizes = Counter(result.clusters)
        _write_atomic(
            output,
            ["id", "cluster", *(["score", "cluster_size", "line"] if options["scores"] else [])],
            (
                [
                    row[0],
                    numbers[label],
                    *([f"{score:.2f}", sizes[label], line] if options["scores"] else []),
                ]
                for row, label, score, line in zip(
                    rows, result.clusters, result.best_scores, lines, strict=True
                )
            ),
        )
        if options["report"]:
            report.sort()
            _write_atomic(options["report"], ["line", "id", "code"], report)
        merged = len(rows) - len(numbers)
        self.stdout.write(
            f"{len(rows):,} rows, {len(numbers):,} clusters ({merged:,} rows matched an "
            f"earlier one), {len(report):,} warnings"
            + ("" if options["report"] or not report else " (see them with --report FILE)")
        )

    def _read(
        self, source: Path, max_rows: int, show: bool
    ) -> tuple[list[list[str]], list[int], list[tuple[int, str, str]]]:
        rows: list[list[str]] = []
        lines: list[int] = []
        report: list[tuple[int, str, str]] = []
        seen: dict[str, int] = {}
        with source.open(encoding="utf-8-sig", errors="strict", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            try:
                header = next(reader, None)
                if header is None:
                    raise CommandError(f"{source}: the file is empty; expected a header line.")
                names = [h.strip().lower() for h in header]
                missing = [c for c in COLUMNS if c not in names]
                if missing:
                    raise CommandError(
                        f"{source}: missing column(s): {', '.join(missing)}. "
                        f"Expected a header with: {', '.join(COLUMNS)}."
                    )
                positions = [names.index(c) for c in COLUMNS]
                width = len(names)
                bar = _bar("reading", show)
                for fields in reader:
                    line = reader.line_num
                    if not "".join(fields).strip():
                        continue  # a blank line is not a row
                    if len(rows) >= max_rows:
                        raise CommandError(
                            f"{source}: more than {max_rows:,} rows; split the file or raise "
                            "--max-rows if the machine has the memory."
                        )
                    if len(fields) != width:
                        report.append((line, "", "row:cells_" + _cells(len(fields), width)))
                        fields = fields + [""] * (width - len(fields))
                    row = [fields[p].strip()[:MAX_CELL] for p in positions]
                    if not row[0]:
                        row[0] = f"line-{line}"
                        report.append((line, row[0], "id:missing"))
                    elif row[0] in seen:
                        report.append((line, row[0], "id:duplicate"))
                    else:
                        seen[row[0]] = line
                    rows.append(row)
                    lines.append(line)
                    if bar is not None:
                        bar.update(1)
                if bar is not None:
                    bar.close()
            except UnicodeDecodeError as exc:
                raise CommandError(
                    f"{source}: not UTF-8 near line {reader.line_num + 1} (byte "
                    f"{exc.start}). Save the sheet as 'CSV UTF-8' and try again."
                ) from None
            except csv.Error as exc:
                raise CommandError(
                    f"{source}: malformed CSV at line {reader.line_num}: {exc}."
                ) from None
        return rows, lines, report


def _cells(found: int, expected: int) -> str:
    return "too_many" if found > expected else "too_few"


def _check_encoding(source: Path) -> None:
    """Refuse UTF-16/32 and binary files early, with a clear message."""
    with source.open("rb") as fh:
        head = fh.read(65536)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CommandError(
            f"{source}: the file is UTF-16 (as Excel's 'Unicode text' saves it). "
            "Save it as 'CSV UTF-8' and try again."
        )
    if b"\x00" in head:
        raise CommandError(f"{source}: this is not a text CSV file (it holds NUL bytes).")


def _bar(stage: str, show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(desc=stage, unit=" rows", file=sys.stderr, leave=False)


def _progress(total: int) -> Any:
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(stage: str, done: int) -> None:
        if stage not in bars:
            for bar in bars.values():
                bar.close()
            bars.clear()
            bars[stage] = tqdm(
                desc=stage,
                total=total if stage != "pairs" else None,
                unit=" rows" if stage != "pairs" else " pairs",
                file=sys.stderr,
                leave=False,
            )
        bars[stage].update(done)
        if stage == "clusters":
            bars[stage].close()

    return update


def _write_atomic(path: Path, header: list[str], rows: Any) -> None:
    """Write a CSV next to `path`, then rename: never a half-written file."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise CommandError(f"{path}: the folder does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=".dedupe-", suffix=".csv", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
