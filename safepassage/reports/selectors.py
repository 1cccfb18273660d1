"""Reads of the reports app: a report's published table within a scope.

Every figure starts from the user's `Scope` (policies.py): the cells of
the units they may read, the period kinds they may read, published
through `disclosure.publish` at their k. One aggregate query per table
over the count cubes; nothing is decrypted on a page view.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from safepassage.accounts.selectors import units_active
from safepassage.geo.reporting import state_names, township_names
from safepassage.reintegration.reporting import dimension_names

from . import registry
from .disclosure import Published, Suppression, Table, publish
from .models import ReportCell, ReportState
from .policies import Scope
from .registry import ARMY_TYPES, PERIOD, Dimension, Report
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
    state = ReportState.objects.filter(pk=1).first()
    return state.refreshed_at if state is not None else None


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


def _cells_in_scope(scope: Scope, filters: Filters, cube: str) -> QuerySet[ReportCell]:
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
    return queryset


def _cells(scope: Scope, filters: Filters, cube: str) -> list[tuple[dt.date, str, int]]:
    rows = (
        _cells_in_scope(scope, filters, cube)
        .values_list("period_start", "key")
        .annotate(n=Sum("count"))
    )
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


def _block_cells(
    scope: Scope, report: Report, kind: str, year: int, unit_id: int | None
) -> list[tuple[dt.date, str, int]]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    filters = Filters(start=first, end=last, period_kind=kind, unit_id=unit_id)
    return [(p, key, n) for p, key, n in _cells(scope, filters, report.cube) if p.year == year]


def year_periods(year: int, kind: str) -> list[dt.date]:
    """The periods of a calendar year: its months, or the weeks starting in it."""
    periods = periods_between(dt.date(year, 1, 1), dt.date(year, 12, 31), kind)
    return [p for p in periods if p.year == year]


@dataclass(frozen=True)
class Block:
    """One canonical table: a report over one calendar year, in one scope
    (and unit), published as a whole. Every page and export shows a part
    of such a table, so that two queries over different ranges cannot be
    subtracted to uncover a cell (they show parts of the same release)."""

    rows: tuple[tuple[str, str], ...]
    cols: tuple[tuple[str, str], ...]
    published: Published


_BLOCKS: dict[tuple[object, ...], Block] = {}
_BLOCKS_MAX = 512


def report_block(
    *, scope: Scope, report: Report, kind: str, year: int, unit_id: int | None = None
) -> Block:
    """The canonical table of `report` for `year`: period reports by week
    or month, cross-tabulations by month cells summed over the year."""
    if report.cols.name != PERIOD or report.months_only:
        kind = "month"
    # The labels (regions, dimensions, "Not recorded") are in the active
    # language, and ranking ties break on them: one block per language.
    language = translation.get_language() or ""
    cache_key = (
        report.name,
        scope.unit_ids,
        scope.k,
        kind,
        year,
        unit_id,
        figures_as_of(),
        language,
    )
    cached = _BLOCKS.get(cache_key)
    if cached is not None:
        return cached
    counts: dict[tuple[str, str], int] = defaultdict(int)
    seen_rows: set[str] = set()
    seen_cols: set[str] = set()
    for start, key, n in _block_cells(scope, report, kind, year, unit_id):
        dims = parse_key(key)
        row = dims.get(report.rows.name, UNKNOWN)
        if report.cols.name == PERIOD:
            col = start.isoformat()
        else:
            col = dims.get(report.cols.name, UNKNOWN)
        counts[(row, col)] += n
        seen_rows.add(row)
        seen_cols.add(col)
    if report.cols.name == PERIOD:
        cols = [(p.isoformat(), period_label(p, kind)) for p in year_periods(year, kind)]
    else:
        cols = _labels_for(report.cols, seen_cols)
    rows = _labels_for(report.rows, seen_rows)
    if not report.rows.ordered:
        rows = [r for r in rows if r[0] in seen_rows]
    if report.top is not None:
        totals = {value: sum(counts[(value, c)] for c, _l in cols) for value, _l in rows}
        ranked = sorted(rows, key=lambda r: (-totals[r[0]], r[1]))
        if len(ranked) > report.top:
            kept, rest = ranked[: report.top], ranked[report.top :]
            for value, _label in rest:
                for col, _l in cols:
                    counts[(OTHER, col)] += counts[(value, col)]
            ranked = [*kept, (OTHER, _("All others"))]
        rows = ranked
    table = Table(
        row_labels=tuple(label for _v, label in rows),
        col_labels=tuple(label for _v, label in cols),
        counts=tuple(tuple(counts[(rv, cv)] for cv, _l in cols) for rv, _l in rows),
    )
    block = Block(rows=tuple(rows), cols=tuple(cols), published=publish(table, k=scope.k))
    if len(_BLOCKS) >= _BLOCKS_MAX:
        _BLOCKS.clear()
    _BLOCKS[cache_key] = block
    return block


OTHER = "__other__"


def _status(value: int | None) -> Suppression:
    return Suppression.NONE if value is not None else Suppression.SECONDARY


def _sum_or_none(values: list[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def report_table(
    *, scope: Scope, report: Report, filters: Filters, with_medians: bool = True
) -> ReportResult:
    """The part of the report's canonical tables that the filters select.

    Period reports: the periods in range, from each calendar year's table.
    Cross-tabulations and ranked reports: the table of the end date's
    year. Region and category select rows or columns where the report has
    that dimension. A total over a part is shown only where every value
    it adds is shown (it then tells nothing new); otherwise `[c]`.
    """
    kind = "month" if report.months_only else filters.period_kind
    if report.cols.name == PERIOD and report.top is None:
        years = list(range(filters.start.year, filters.end.year + 1))
    else:
        years = [filters.end.year]
    blocks = [
        report_block(scope=scope, report=report, kind=kind, year=y, unit_id=filters.unit_id)
        for y in years
    ]
    if report.cols.name == PERIOD:
        first = period_start_of(filters.start, kind)
        wanted_cols = [
            (value, label)
            for block in blocks
            for value, label in block.cols
            if first <= dt.date.fromisoformat(value) <= filters.end
        ]
    else:
        wanted_cols = list(blocks[0].cols)
    rows: list[tuple[str, str]] = []
    for block in blocks:
        for row in block.rows:
            if row not in rows:
                rows.append(row)
    if filters.region and report.rows.name == "region":
        rows = [r for r in rows if r[0] == filters.region]
    if filters.category and report.rows.name == "category":
        rows = [r for r in rows if r[0] == filters.category]
    if filters.category and report.cols.name == "category":
        wanted_cols = [c for c in wanted_cols if c[0] == filters.category]

    # Where each wanted column and row sits in its block.
    cells: list[list[int | None]] = []
    statuses: list[list[Suppression]] = []
    col_totals: list[int | None] = []
    placed: list[tuple[Block, int]] = []
    for value, _label in wanted_cols:
        for block in blocks:
            index = next((j for j, c in enumerate(block.cols) if c[0] == value), None)
            if index is not None:
                placed.append((block, index))
                break
    for block, j in placed:
        col_totals.append(block.published.col_totals[j])
    for row in rows:
        line: list[int | None] = []
        line_status: list[Suppression] = []
        for block, j in placed:
            i = next((n for n, r in enumerate(block.rows) if r == row), None)
            if i is None:  # no one in this row that year: a true zero
                line.append(0)
                line_status.append(Suppression.NONE)
            else:
                line.append(block.published.cells[i][j])
                line_status.append(block.published.status[i][j])
        cells.append(line)
        statuses.append(line_status)
    union_rows = {row for block in blocks for row in block.rows}
    rows_filtered = len(rows) != len(union_rows)
    single = blocks[0] if len(blocks) == 1 else None
    all_cols = single is not None and len(placed) == len(single.cols)
    if single is not None and all_cols and not rows_filtered:
        published = single.published
    else:
        if single is not None and all_cols:
            indexes = [next(n for n, r in enumerate(single.rows) if r == row) for row in rows]
            row_totals = [single.published.row_totals[i] for i in indexes]
        else:
            row_totals = [_sum_or_none(line) for line in cells]
        if rows_filtered:
            col_totals = [_sum_or_none([line[j] for line in cells]) for j in range(len(placed))]
        grand = _sum_or_none(list(row_totals))
        if grand is None:
            grand = _sum_or_none(list(col_totals))
        published = Published(
            row_labels=tuple(label for _v, label in rows),
            col_labels=tuple(label for _v, label in wanted_cols),
            cells=tuple(tuple(line) for line in cells),
            row_totals=tuple(row_totals),
            col_totals=tuple(col_totals),
            total=grand,
            status=tuple(tuple(line) for line in statuses),
            k=scope.k,
            protection=blocks[0].published.protection,
            row_total_status=tuple(_status(t) for t in row_totals),
            col_total_status=tuple(_status(t) for t in col_totals),
            total_status=_status(grand),
        )
    medians = _flow_medians(scope, filters) if report.name == "flow" and with_medians else []
    return ReportResult(report=report, published=published, filters=filters, medians=medians)


def _flow_medians(scope: Scope, filters: Filters) -> list[tuple[str, int | None]]:
    """Median days spent before each stage, over the range; withheld
    (None) for a stage reached by fewer than k people. One aggregate by
    key (the periods summed in the database), kept per scope, filters and
    refresh, like the published tables."""
    cache_key = (scope.unit_ids, scope.k, filters, figures_as_of(), translation.get_language())
    cached = _MEDIANS.get(cache_key)
    if cached is not None:
        return cached
    histogram: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        _cells_in_scope(scope, filters, "flow_days")
        .order_by()
        .values_list("key")
        .annotate(n=Sum("count"))
    )
    for key, n in rows:
        dims = parse_key(key)
        try:
            days = int(dims.get("days", ""))
        except ValueError:
            continue
        histogram[dims.get("stage", UNKNOWN)][days] += int(n or 0)
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
    if len(_MEDIANS) >= _BLOCKS_MAX:
        _MEDIANS.clear()
    _MEDIANS[cache_key] = result
    return result


_MEDIANS: dict[tuple[object, ...], list[tuple[str, int | None]]] = {}


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
    # The dashboard shows no medians: it does not pay for them.
    result = report_table(
        scope=scope, report=flow, filters=Filters(start, today, kind), with_medians=False
    )
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
