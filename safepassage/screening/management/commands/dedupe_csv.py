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
import itertools
import os
import sys
import tempfile
from operator import itemgetter, not_
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from safepassage.core.collector import collector_paused
from safepassage.screening.dedupe import dedupe_columns, default_workers

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
        # A million rows are tens of millions of objects and no cycle: a
        # full collection over them, on the way in or out, costs seconds.
        with collector_paused():
            self._deduplicate(source, output, options)

    def _deduplicate(self, source: Path, output: Path, options: dict[str, Any]) -> None:
        show = sys.stderr.isatty()
        columns, lines, report = self._read(source, options["max_rows"], show)
        ids = columns[0]
        workers = options["workers"] or default_workers()
        result = dedupe_columns(
            columns,
            this_year=timezone.now().year,
            workers=workers,
            progress=_progress(len(ids)) if show else None,
        )
        for index, warnings in enumerate(result.warnings):
            for code in warnings:
                report.append((lines[index], ids[index], code))
        labels = np.array(result.clusters, dtype=np.int64)
        # A cluster's label is its first row: numbered 1.. in order of first rows.
        numbers = np.cumsum(labels == np.arange(len(labels)))[labels].tolist()
        extra: list[Any] = []
        if options["scores"]:
            sizes = np.bincount(labels, minlength=len(labels))[labels].tolist()
            extra = [[f"{score:.2f}" for score in result.best_scores], sizes, lines]
        _write_atomic(
            output,
            ["id", "cluster", *(["score", "cluster_size", "line"] if options["scores"] else [])],
            zip(ids, numbers, *extra, strict=True),
        )
        if options["report"]:
            report.sort()
            _write_atomic(options["report"], ["line", "id", "code"], report)
        clusters = len(set(result.clusters))
        merged = len(ids) - clusters
        self.stdout.write(
            f"{len(ids):,} rows, {clusters:,} clusters ({merged:,} rows matched an "
            f"earlier one), {len(report):,} warnings"
            + ("" if options["report"] or not report else " (see them with --report FILE)")
        )

    def _read(
        self, source: Path, max_rows: int, show: bool
    ) -> tuple[list[list[str]], list[int], list[tuple[int, str, str]]]:
        """(the eight columns in `COLUMNS` order, each row's line, warnings).

        Lines are read as the csv module splits them, and checked and cut
        into columns afterwards, column by column: a list per row and a
        Python step per cell would take longer than the parsing.
        """
        raw: list[list[str]] = []
        lines: list[int] = []
        with source.open(encoding="utf-8-sig", errors="strict", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            try:
                header = next(reader, None)
                if header is None:
                    raise CommandError(f"{source}: the file is empty; expected a header line.")
                names = [h.strip().lower() for h in header]
                _check_header(source, names)
                positions = [names.index(c) for c in COLUMNS]
                width = len(names)
                bar = _bar("reading", show)
                checked = 0  # rows before this one hold no blank line
                for fields in reader:
                    raw.append(fields)
                    lines.append(reader.line_num)
                    if len(raw) > max_rows:
                        # Blank lines are no rows: over the limit without them?
                        _drop_blank(raw, lines, checked)
                        _check_count(source, len(raw), max_rows)
                        checked = len(raw)
                    if bar is not None and not len(raw) % 10_000:
                        bar.update(10_000)
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
        _drop_blank(raw, lines, checked)
        misshapen = [k for k, fields in enumerate(raw) if len(fields) != width]
        shapes = [(k, "row:cells_" + _cells(len(raw[k]), width)) for k in misshapen]
        for k in misshapen:
            raw[k] = raw[k] + [""] * (width - len(raw[k]))
        # One pass of C per column: pick the cell, strip it, cut it (a
        # slice as long as the string is the string itself, not a copy).
        cut = itemgetter(slice(0, MAX_CELL))
        columns = [list(map(cut, map(str.strip, map(itemgetter(p), raw)))) for p in positions]
        del raw
        report: list[tuple[int, str, str]] = []
        _check_ids(columns[0], lines, report)
        report.extend((lines[k], columns[0][k], code) for k, code in shapes)
        return columns, lines, report


def _check_header(source: Path, names: list[str]) -> None:
    """Refuse a header without every column, or naming one twice (which of
    the two would be read is a guess), saying what the sheet must hold."""
    expected = ", ".join(COLUMNS)
    if len(names) == 1:
        for separator, called in ((";", "semicolons"), ("\t", "tabs")):
            if all(c in [n.strip() for n in names[0].split(separator)] for c in COLUMNS):
                raise CommandError(
                    f"{source}: the columns are separated by {called}, not commas. "
                    "Save the sheet as 'CSV UTF-8 (comma delimited)' and try again."
                )
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise CommandError(
            f"{source}: missing column(s): {', '.join(missing)}. "
            f"Expected a header with: {expected}."
        )
    twice = [c for c in COLUMNS if names.count(c) > 1]
    if twice:
        raise CommandError(
            f"{source}: the header names column(s) more than once: {', '.join(twice)}. "
            f"Keep one of each: {expected}."
        )


def _drop_blank(raw: list[list[str]], lines: list[int], start: int) -> None:
    """Remove the lines from `start` on holding nothing but spaces: they are
    not rows."""
    texts = map(str.strip, map("".join, itertools.islice(raw, start, None)))
    blank = set(itertools.compress(itertools.count(start), map(not_, texts)))
    if blank:
        raw[start:] = [raw[k] for k in range(start, len(raw)) if k not in blank]
        lines[start:] = [lines[k] for k in range(start, len(lines)) if k not in blank]


def _check_count(source: Path, rows: int, max_rows: int) -> None:
    if rows > max_rows:
        raise CommandError(
            f"{source}: more than {max_rows:,} rows; split the file or raise --max-rows "
            "if the machine has the memory."
        )


def _check_ids(ids: list[str], lines: list[int], report: list[tuple[int, str, str]]) -> None:
    """Report each id seen on an earlier row (both rows are kept, told apart
    by their line), then name each row without an id after its line."""
    missing = [k for k, value in enumerate(ids) if not value]
    present = [value for value in ids if value] if missing else ids
    if len(set(present)) != len(present):
        seen: set[str] = set()
        for k, value in enumerate(ids):
            if value in seen:
                report.append((lines[k], value, "id:duplicate"))
            elif value:
                seen.add(value)
    for k in missing:
        ids[k] = f"line-{lines[k]}"
        report.append((lines[k], ids[k], "id:missing"))


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
