"""Reads of the reports app: a report's published table within a scope.

Every figure starts from the user's `Scope` (policies.py): headquarters
reads headquarters' release (every unit, or one unit's row of it), a
unit's analyst their unit's own release. The release is stored
(`ReportPiece`, written by publication.py in the refresh job): a page
reads it with one query, puts on labels in the reader's language, and
runs no suppression; nothing is decrypted on a page view.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from safepassage.accounts.selectors import units_active
from safepassage.geo.reporting import state_names, township_names
from safepassage.reintegration.reporting import dimension_names

from . import registry
from .disclosure import Published, Suppression
from .models import Audience, ReportCell, ReportPiece, ReportState
from .policies import Scope
from .publication import QUARTER, is_closed, is_cross, quarter_start
from .registry import ARMY_TYPES, Dimension, Report
from .rollups import UNKNOWN, month_start, parse_key, week_start

MAX_PERIOD_COLUMNS = 60


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    period_kind: str = "month"
    region: str = ""
    category: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class ReportResult:
    report: Report
    published: Published
    filters: Filters
    # Median days before each stage (flow only): label -> days or None.
    medians: list[tuple[str, int | None]] = field(default_factory=list)
    # Cross-tabulations: the quarter shown (e.g. "2026-Q2"), "" if none.
    quarter: str = ""
    # Why nothing is shown, where a table is not published for this choice.
    note: str = ""


def reports_for(scope: Scope) -> list[Report]:
    return [r for r in registry.REPORTS if scope.headquarters or not r.hq_only]


def report_get_for_scope(scope: Scope, name: str) -> Report | None:
    """The report by name, or None when it is unknown or not in scope
    (the two answer alike)."""
    report = registry.report_get(name)
    if report is None or (report.hq_only and not scope.headquarters):
        return None
    return report


def units_in_scope(scope: Scope) -> list[tuple[int, str]]:
    units = units_active().filter(is_headquarters=False)
    if scope.unit_ids is not None:
        units = units.filter(pk__in=scope.unit_ids)
    return [(unit.pk, unit.name) for unit in units.order_by("name")]


def figures_as_of() -> dt.datetime | None:
    """When the figures shown were published (the last release)."""
    state = ReportState.objects.filter(pk=1).first()
    return state.published_at if state is not None else None


def period_start_of(day: dt.date, kind: str) -> dt.date:
    return week_start(day) if kind == "week" else month_start(day)


def periods_between(start: dt.date, end: dt.date, kind: str) -> list[dt.date]:
    periods = []
    current = period_start_of(start, kind)
    while current <= end:
        periods.append(current)
        if kind == "week":
            current += dt.timedelta(days=7)
        else:
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if len(periods) > MAX_PERIOD_COLUMNS:
            break
    return periods


def period_label(start: dt.date, kind: str) -> str:
    if kind == "week":
        year, week, _day = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%Y-%m")


def _cells(scope: Scope, filters: Filters, cube: str) -> list[tuple[dt.date, str, int]]:
    queryset = ReportCell.objects.filter(
        cube=cube,
        period_kind=filters.period_kind,
        period_start__gte=period_start_of(filters.start, filters.period_kind),
        period_start__lte=filters.end,
    )
    if scope.unit_ids is not None:
        queryset = queryset.filter(unit_id__in=scope.unit_ids)
    if filters.unit_id is not None:
        queryset = queryset.filter(unit_id=filters.unit_id)
    rows = queryset.values_list("period_start", "key").annotate(n=Sum("count"))
    return [(start, key, int(n or 0)) for start, key, n in rows]


def _labels_for(dimension: Dimension, seen: set[str]) -> list[tuple[str, str]]:
    known = dimension.values()
    if dimension.name == "region":
        names = state_names()
        known = [(code, names.get(code, code)) for code in sorted(seen)]
    elif dimension.name == "township":
        names = township_names(seen - {UNKNOWN})
        known = [(code, names.get(code, code)) for code in sorted(seen)]
    elif dimension.name == "dimension":
        names = dimension_names()
        known = [(code, name) for code, name in names.items()]
    elif dimension.name == "army_unit":
        types = {code: str(label) for code, label in ARMY_TYPES}
        known = []
        for value in sorted(seen):
            unit_type, _sep, number = value.rpartition("-")
            known.append((value, f"{types.get(unit_type, unit_type)} {number}"))
    result = list(known)
    listed = {value for value, _label in result}
    for value in sorted(seen - listed):
        result.append((value, _("Not recorded") if value == UNKNOWN else value))
    return result


@dataclass(frozen=True)
class Piece:
    """One stored published table (publication.py), read back: codes and
    published values only (None = suppressed). Layout "units": receiving
    units by the report's row values; "cross": rows by columns."""

    rows: dict[int | str, int]
    cols: dict[str, int]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    total: int | None

    @classmethod
    def from_stored(cls, table: dict[str, Any]) -> Piece:
        return cls(
            rows={row: n for n, row in enumerate(table["rows"])},
            cols={str(code): n for n, code in enumerate(table["cols"])},
            cells=table["cells"],
            row_totals=table["row_totals"],
            col_totals=table["col_totals"],
            total=table["total"],
        )

    def at(self, row: int | str, col: str) -> int | None:
        """The value at (row, col); 0 where the piece has neither (nobody)."""
        i, j = self.rows.get(row), self.cols.get(col)
        return 0 if i is None or j is None else self.cells[i][j]

    def row_total(self, row: int | str) -> int | None:
        i = self.rows.get(row)
        return 0 if i is None else self.row_totals[i]

    def col_total(self, col: str) -> int | None:
        j = self.cols.get(col)
        return 0 if j is None else self.col_totals[j]

    def value(self, unit: int | None, code: str) -> int | None:
        """Layout "units": a unit's count (None: every unit's) of `code`."""
        return self.col_total(code) if unit is None else self.at(unit, code)

    def whole(self, unit: int | None) -> int | None:
        return self.total if unit is None else self.row_total(unit)

    def codes(self, unit: int | None) -> list[str]:
        """The codes with someone (or a hidden count) for this reader."""
        return [code for code in self.cols if self.value(unit, code) != 0]


def _reader(scope: Scope, filters: Filters) -> tuple[str, int | None]:
    """Which pieces a reader reads (headquarters' or their unit's) and
    which row of them (None: all units)."""
    if scope.headquarters:
        return Audience.HEADQUARTERS, filters.unit_id
    unit = filters.unit_id
    if unit is None:
        unit = min(scope.unit_ids) if scope.unit_ids else None
    return Audience.UNIT, unit


def _load(
    report: Report, audience: str, unit: int | None, kind: str, starts: list[dt.date]
) -> dict[dt.date, Piece]:
    if not starts:
        return {}
    pieces = ReportPiece.objects.filter(
        report=report.name, audience=audience, period_kind=kind, period_start__in=starts
    )
    if audience == Audience.UNIT:
        if unit is None:
            return {}
        pieces = pieces.filter(unit_id=unit)
    return {
        start: Piece.from_stored(table)
        for start, table in pieces.values_list("period_start", "table")
    }


def closed_through() -> dt.date | None:
    state = ReportState.objects.filter(pk=1).first()
    return state.closed_through if state is not None else None


def last_closed_quarter(end: dt.date, through: dt.date | None) -> dt.date | None:
    """The last quarter that starts by `end` and had ended at the release."""
    if through is None:
        return None
    start = quarter_start(end)
    for _n in range(4):
        if is_closed(start, QUARTER, through):
            return start
        start = quarter_start(start - dt.timedelta(days=1))
    return None


def _rows_for(dimension: Dimension, seen: set[str]) -> list[tuple[str, str]]:
    rows = _labels_for(dimension, seen)
    if not dimension.ordered:
        rows = [r for r in rows if r[0] in seen]
    return rows


def _sum_or_none(values: list[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _status(value: int | None) -> Suppression:
    return Suppression.NONE if value is not None else Suppression.SECONDARY


OTHER = "__other__"


def report_table(*, scope: Scope, report: Report, filters: Filters) -> ReportResult:
    """The part of the stored release that the filters select.

    Reads `ReportPiece` rows only: no suppression runs here. Period
    reports: one column per closed period in range. Cross-tabulations:
    the last closed quarter by the end date. Every value is a published
    value of a piece, or a sum of published values shown only where
    every part is shown (`[c]` otherwise): the page tells nothing that
    the pieces do not.
    """
    audience, unit = _reader(scope, filters)
    through = closed_through()
    if is_cross(report):
        return _cross_table(scope, report, filters, audience, unit, through)
    kind = "month" if report.months_only else filters.period_kind
    periods = [
        p
        for p in periods_between(filters.start, filters.end, kind)
        if p <= filters.end and is_closed(p, kind, through)
    ]
    pieces = _load(report, audience, unit, kind, periods)
    seen = {code for piece in pieces.values() for code in piece.codes(unit)}
    rows = _rows_for(report.rows, seen)

    def value(row: str, p: dt.date) -> int | None:
        piece = pieces.get(p)
        return 0 if piece is None else piece.value(unit, row)

    grid = {row: [value(row, p) for p in periods] for row, _label in rows}
    col_totals: list[int | None] = [pieces[p].whole(unit) if p in pieces else 0 for p in periods]
    if report.top is not None:
        # Ranked on published values only ([c] as nothing): the order
        # tells no more than the table.
        ranked = sorted(rows, key=lambda r: (-sum(v or 0 for v in grid[r[0]]), r[0]))
        if len(ranked) > report.top:
            rest = ranked[report.top :]
            grid[OTHER] = [
                _sum_or_none([grid[r][n] for r, _l in rest]) for n in range(len(periods))
            ]
            ranked = [*ranked[: report.top], (OTHER, _("All others"))]
        rows = ranked
    rows_filtered = False
    if filters.region and report.rows.name == "region":
        rows, rows_filtered = [r for r in rows if r[0] == filters.region], True
    if filters.category and report.rows.name == "category":
        rows, rows_filtered = [r for r in rows if r[0] == filters.category], True
    cells = [grid[row] for row, _label in rows]
    if rows_filtered:
        col_totals = [_sum_or_none([line[n] for line in cells]) for n in range(len(periods))]
    cols = [(p.isoformat(), period_label(p, kind)) for p in periods]
    published = _assemble(scope, rows, cols, cells, col_totals, None)
    medians = _flow_medians(scope, filters) if report.name == "flow" else []
    return ReportResult(report=report, published=published, filters=filters, medians=medians)


def _cross_table(
    scope: Scope,
    report: Report,
    filters: Filters,
    audience: str,
    unit: int | None,
    through: dt.date | None,
) -> ReportResult:
    quarter = last_closed_quarter(filters.end, through)
    if audience == Audience.HEADQUARTERS and unit is not None:
        # Not published per unit at headquarters (publication.py).
        note = _(
            "At headquarters this table is published for all units together only: choose all units."
        )
        empty = _assemble(scope, [], [], [], [], 0)
        return ReportResult(report=report, published=empty, filters=filters, note=note)
    pieces = _load(report, audience, unit, QUARTER, [quarter] if quarter else [])
    piece = pieces.get(quarter) if quarter else None
    stored = Piece({}, {}, [], [], [], 0) if piece is None else piece
    rows = _rows_for(report.rows, {str(r) for r in stored.rows})
    cols = _labels_for(report.cols, set(stored.cols))
    rows_filtered = cols_filtered = False
    if filters.region and report.rows.name == "region":
        rows, rows_filtered = [r for r in rows if r[0] == filters.region], True
    if filters.category and report.rows.name == "category":
        rows, rows_filtered = [r for r in rows if r[0] == filters.category], True
    if filters.category and report.cols.name == "category":
        cols, cols_filtered = [c for c in cols if c[0] == filters.category], True
    cells = [[stored.at(row, col) for col, _l in cols] for row, _label in rows]
    if cols_filtered:
        row_totals = [_sum_or_none(line) for line in cells]
    else:
        row_totals = [stored.row_total(row) for row, _label in rows]
    if rows_filtered:
        col_totals = [_sum_or_none([line[n] for line in cells]) for n in range(len(cols))]
    else:
        col_totals = [stored.col_total(col) for col, _label in cols]
    whole = None if rows_filtered or cols_filtered else stored.total
    published = _assemble(scope, rows, cols, cells, col_totals, whole, row_totals)
    label = f"{quarter.year}-Q{(quarter.month - 1) // 3 + 1}" if quarter else ""
    return ReportResult(report=report, published=published, filters=filters, quarter=label)


def _assemble(
    scope: Scope,
    rows: list[tuple[str, str]],
    cols: list[tuple[str, str]],
    cells: list[list[int | None]],
    col_totals: list[int | None],
    whole: int | None,
    row_totals: list[int | None] | None = None,
) -> Published:
    if row_totals is None:
        row_totals = [_sum_or_none(line) for line in cells]
    grand = whole
    if grand is None:
        grand = _sum_or_none(col_totals)
    if grand is None:
        grand = _sum_or_none(row_totals)
    return Published(
        row_labels=tuple(label for _v, label in rows),
        col_labels=tuple(label for _v, label in cols),
        cells=tuple(tuple(line) for line in cells),
        row_totals=tuple(row_totals),
        col_totals=tuple(col_totals),
        total=grand,
        status=tuple(tuple(_status(v) for v in line) for line in cells),
        k=scope.k,
        protection=scope.k,
        row_total_status=tuple(_status(t) for t in row_totals),
        col_total_status=tuple(_status(t) for t in col_totals),
        total_status=_status(grand),
    )


def _flow_medians(scope: Scope, filters: Filters) -> list[tuple[str, int | None]]:
    """Median days spent before each stage, over the range; withheld
    (None) for a stage reached by fewer than k people."""
    histogram: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for _start, key, n in _cells(scope, filters, "flow_days"):
        dims = parse_key(key)
        try:
            days = int(dims.get("days", ""))
        except ValueError:
            continue
        histogram[dims.get("stage", UNKNOWN)][days] += n
    result: list[tuple[str, int | None]] = []
    for value, label in registry.STAGE.values()[1:]:
        counts = histogram.get(value, {})
        total = sum(counts.values())
        if total < scope.k:
            result.append((label, None))
            continue
        middle = (total + 1) // 2
        running = 0
        for days in sorted(counts):
            running += counts[days]
            if running >= middle:
                result.append((label, days))
                break
    return result


@dataclass(frozen=True)
class Headline:
    title: str
    points: list[tuple[str, int | None]]

    @property
    def latest(self) -> int | None:
        return self.points[-1][1] if self.points else None


HEADLINE_STAGES = ("contacted", "received", "screened", "plan_completed")


def headline_titles() -> dict[str, str]:
    return {
        "contacted": _("New contacts"),
        "received": _("People received"),
        "screened": _("People screened"),
        "plan_completed": _("Plans completed"),
    }


def dashboard(*, scope: Scope, today: dt.date, periods: int = 12) -> list[Headline]:
    """The few figures that matter this week (this month for a unit),
    each over the last `periods` periods: rows of the flow report's own
    published tables, so the dashboard publishes nothing the flow report
    does not (no second table to subtract from the first)."""
    kind = "week" if scope.weeks_allowed else "month"
    if kind == "week":
        start = week_start(today) - dt.timedelta(days=7 * (periods - 1))
    else:
        start = month_start(today)
        for _n in range(periods - 1):
            start = month_start(start - dt.timedelta(days=1))
    flow = registry.BY_NAME["flow"]
    result = report_table(scope=scope, report=flow, filters=Filters(start, today, kind))
    published = result.published
    titles = headline_titles()
    order = [value for value, _label in registry.STAGE.values()]
    headlines = []
    for stage in HEADLINE_STAGES:
        row = published.cells[order.index(stage)]
        points = list(zip(published.col_labels, row, strict=True))[-periods:]
        headlines.append(Headline(title=titles[stage], points=points))
    return headlines


@dataclass(frozen=True)
class DisplayRow:
    label: str
    cells: tuple[int | None, ...]
    total: int | None


def display_rows(published: Published) -> list[DisplayRow]:
    """The published table's rows, for a template (which cannot zip)."""
    return [
        DisplayRow(label=label, cells=cells, total=total)
        for label, cells, total in zip(
            published.row_labels, published.cells, published.row_totals, strict=True
        )
    ]


def suppressed_count(published: Published) -> int:
    return sum(1 for row in published.cells for cell in row if cell is None)
