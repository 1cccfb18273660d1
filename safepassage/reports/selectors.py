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

from django.db.models import Sum
from django.utils.translation import gettext as _

from safepassage.accounts.selectors import units_active
from safepassage.geo.reporting import state_names, township_names
from safepassage.reintegration.reporting import dimension_names

from . import registry
from .disclosure import Published, Table, publish
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


def _matches(dims: dict[str, str], filters: Filters) -> bool:
    if filters.region and "region" in dims and dims["region"] != filters.region:
        return False
    return not (filters.category and "category" in dims and dims["category"] != filters.category)


def report_table(*, scope: Scope, report: Report, filters: Filters) -> ReportResult:
    """The report's published table (suppressed at the scope's k)."""
    cells = _cells(scope, filters, report.cube)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    seen_rows: set[str] = set()
    seen_cols: set[str] = set()
    for start, key, n in cells:
        dims = parse_key(key)
        if not _matches(dims, filters):
            continue
        row = dims.get(report.rows.name, UNKNOWN)
        col = (
            start.isoformat() if report.cols.name == PERIOD else dims.get(report.cols.name, UNKNOWN)
        )
        counts[(row, col)] += n
        seen_rows.add(row)
        seen_cols.add(col)

    if report.cols.name == PERIOD:
        periods = periods_between(filters.start, filters.end, filters.period_kind)
        cols = [(p.isoformat(), period_label(p, filters.period_kind)) for p in periods]
    else:
        cols = _labels_for(report.cols, seen_cols)
    rows = _labels_for(report.rows, seen_rows)
    if not report.rows.ordered:
        rows = [r for r in rows if r[0] in seen_rows]

    if report.top is not None and len(rows) > report.top:
        totals = {value: sum(counts[(value, c)] for c, _l in cols) for value, _l in rows}
        ranked = sorted(rows, key=lambda r: (-totals[r[0]], r[1]))
        kept, rest = ranked[: report.top], ranked[report.top :]
        other = "__other__"
        for value, _label in rest:
            for col, _l in cols:
                counts[(other, col)] += counts[(value, col)]
        rows = [*kept, (other, _("All others"))]
    elif report.top is not None:
        totals = {value: sum(counts[(value, c)] for c, _l in cols) for value, _l in rows}
        rows = sorted(rows, key=lambda r: (-totals[r[0]], r[1]))

    table = Table(
        row_labels=tuple(label for _v, label in rows),
        col_labels=tuple(label for _v, label in cols),
        counts=tuple(tuple(counts[(rv, cv)] for cv, _l in cols) for rv, _l in rows),
    )
    published = publish(table, k=scope.k)
    medians = _flow_medians(scope, filters) if report.name == "flow" else []
    return ReportResult(report=report, published=published, filters=filters, medians=medians)


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
    result = []
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
    published: Published

    @property
    def points(self) -> list[tuple[str, int | None]]:
        return list(zip(self.published.col_labels, self.published.cells[0], strict=True))

    @property
    def latest(self) -> int | None:
        return self.published.cells[0][-1] if self.published.cells[0] else None


HEADLINES: tuple[tuple[str, str, str | None], ...] = (
    # (title, cube, stage or None for every key)
    ("contacted", "flow", "contacted"),
    ("received", "flow", "received"),
    ("plan_completed", "flow", "plan_completed"),
    ("weapons", "weapons", None),
)


def headline_titles() -> dict[str, str]:
    return {
        "contacted": _("New contacts"),
        "received": _("People received"),
        "plan_completed": _("Plans completed"),
        "weapons": _("Hand-overs of weapons and ammunition (by kind and calibre)"),
    }


def dashboard(*, scope: Scope, today: dt.date, periods: int = 12) -> list[Headline]:
    """The few figures that matter this week (this month for a unit),
    each as a one-row table over the last `periods` periods, published
    at the scope's k."""
    kind = "week" if scope.weeks_allowed else "month"
    end = today
    start = today - dt.timedelta(days=7 * (periods - 1) if kind == "week" else 31 * (periods - 1))
    filters = Filters(start=start, end=end, period_kind=kind)
    columns = periods_between(start, end, kind)[-periods:]
    titles = headline_titles()
    result = []
    for name, cube, stage in HEADLINES:
        sums: dict[dt.date, int] = defaultdict(int)
        for period, key, n in _cells(scope, filters, cube):
            if stage is not None and parse_key(key).get("stage") != stage:
                continue
            sums[period] += n
        table = Table(
            row_labels=(titles[name],),
            col_labels=tuple(period_label(p, kind) for p in columns),
            counts=(tuple(sums[p] for p in columns),),
        )
        result.append(Headline(title=titles[name], published=publish(table, k=scope.k)))
    return result


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
