"""Releases: what the reports publish, decided once by the refresh job and stored.

A page never runs suppression or the attack: it reads `ReportPiece` rows
(selectors.py). `reports_publish(today)` writes them; the refresh task and
`manage.py reports_refresh` call it after bringing the cubes up to date.

The release policy (docs/reports.md, "Releases"):

- **Only closed periods.** A week, month or quarter is published once it
  has ended (its last day before `today`). An open period changes with
  every refresh; publishing it at each refresh would let anyone subtract
  two releases and read how many people arrived in between.
- **Frozen once published.** A period's piece is written once, when it
  closes, and never rewritten: later corrections to a closed period stay
  in the cubes and are not published. Every release therefore repeats
  the same values and the same suppression for every period it shares
  with an earlier one; two releases show nothing that the later one alone
  does not. `ReportState.closed_through` is the watermark: periods ending
  on or before it are frozen, whether they had figures or not (a missing
  piece means: nobody, as of its release).
- **One piece per period and audience, protected as a whole.** Period
  reports (rows by week or month) publish, per period, a table of
  receiving units by the report's row values: its margins are the
  units' totals, the all-units figures and the grand total.
  Headquarters' all-units table and its per-unit tables are read out of
  this one table, so they are protected jointly: a unit's hidden cell
  cannot be worked out as the all-units cell minus the other units'
  (issue 22's hole (a)). Cross-tabulations publish, per closed quarter,
  the report's rows by its columns with their margins: for all units at
  headquarters (not per unit there), for itself at a unit. Every other
  value a page shows is a sum of published values, shown only where
  every part is shown.
- **Audiences.** Headquarters' piece at `SAFEPASSAGE_REPORTS_K`; each
  unit's own piece (months and quarters only) at
  `SAFEPASSAGE_REPORTS_UNIT_K`, for that unit alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from . import registry
from .disclosure import Published, Table, publish
from .models import Audience, ReportCell, ReportPiece, ReportState
from .policies import reports_k, reports_unit_k
from .registry import PERIOD, Report
from .rollups import UNKNOWN, month_start, parse_key, week_start

QUARTER = "quarter"
Code = tuple[str, ...]


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_start(day: dt.date, kind: str) -> dt.date:
    if kind == "week":
        return week_start(day)
    if kind == QUARTER:
        return quarter_start(day)
    return month_start(day)


def period_end(start: dt.date, kind: str) -> dt.date:
    """The first day after the period."""
    if kind == "week":
        return start + dt.timedelta(days=7)
    end = _next_month(start)
    if kind == QUARTER:
        end = _next_month(_next_month(end))
    return end


def is_closed(start: dt.date, kind: str, closed_through: dt.date | None) -> bool:
    """Whether the release that closed periods up to `closed_through` holds it."""
    return closed_through is not None and period_end(start, kind) <= closed_through


def is_cross(report: Report) -> bool:
    return report.cols.name != PERIOD


def release_kinds(report: Report) -> list[tuple[str, str]]:
    """(audience, period kind) of every piece a report publishes."""
    hq, unit = str(Audience.HEADQUARTERS), str(Audience.UNIT)
    if is_cross(report):
        return [(hq, QUARTER), (unit, QUARTER)]
    kinds = ["month"] if report.months_only else ["week", "month"]
    return [(hq, kind) for kind in kinds] + [(unit, "month")]


def piece_code(report: Report, key: str) -> Code:
    """The piece column a cube key counts in: the row value, and the
    column value for a cross-tabulation."""
    dims = parse_key(key)
    row = dims.get(report.rows.name, UNKNOWN)
    if is_cross(report):
        return (row, dims.get(report.cols.name, UNKNOWN))
    return (row,)


@dataclass(frozen=True)
class Release:
    pieces: int
    periods: int
    closed_through: dt.date


def reports_publish(*, today: dt.date | None = None) -> Release:
    """Publish every period that has closed since the last release.

    Idempotent: a period already published is never recomputed. Runs the
    suppression (and its linear-programming check) here, in the refresh
    job, never on a page view. One transaction, under the refresh lock.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        state = ReportState.objects.select_for_update().filter(pk=1).first()
        if state is None:
            state = ReportState.objects.create(pk=1)
            state = ReportState.objects.select_for_update().get(pk=1)
        after = state.closed_through
        if after is not None and today <= after:
            return Release(pieces=0, periods=0, closed_through=after)
        rows: list[ReportPiece] = []
        periods = 0
        for report in registry.REPORTS:
            for audience, kind in release_kinds(report):
                for start, counts in _closing(report, kind, after, today):
                    periods += 1
                    rows.extend(_pieces(report, audience, kind, start, counts, now))
        ReportPiece.objects.bulk_create(rows, batch_size=500)
        ReportState.objects.filter(pk=1).update(published_at=now, closed_through=today)
    return Release(pieces=len(rows), periods=periods, closed_through=today)


def _closing(
    report: Report, kind: str, after: dt.date | None, today: dt.date
) -> Iterator[tuple[dt.date, dict[tuple[int, Code], int]]]:
    """Each period that ends after `after` (the last release) and by
    `today`, with its true counts per (unit, code): only periods with
    figures (a missing piece means nobody)."""
    cube_kind = "month" if kind == QUARTER else kind
    cells = ReportCell.objects.filter(cube=report.cube, period_kind=cube_kind)
    if after is None:
        first = cells.aggregate(first=Min("period_start"))["first"]
        if first is None:
            return
        low = period_start(first, kind)
    else:
        # The first period not yet frozen: it ends after `after`.
        low = period_start(after, kind)
        if period_end(low, kind) <= after:
            low = period_end(low, kind)
    high = period_start(today, kind)  # the open period: not published
    if high <= low:
        return
    grouped: dict[dt.date, dict[tuple[int, Code], int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        cells.filter(period_start__gte=low, period_start__lt=high)
        .values_list("period_start", "unit_id", "key")
        .annotate(n=Sum("count"))
    )
    for start, unit_id, key, n in rows:
        if n:
            grouped[period_start(start, kind)][(int(unit_id), piece_code(report, key))] += int(n)
    for start in sorted(grouped):
        if period_end(start, kind) <= today:
            yield start, grouped[start]


def _pieces(
    report: Report,
    audience: str,
    kind: str,
    start: dt.date,
    counts: dict[tuple[int, Code], int],
    now: dt.datetime,
) -> list[ReportPiece]:
    """Headquarters' piece (every unit) or each unit's own, published.

    Period reports: receiving units by the report's row values, so that
    headquarters' all-units figures (the column totals) and each unit's
    (the rows) are one protected table. Cross-tabulations: the report's
    rows by its columns, with their margins (headquarters publishes them
    for all units together only: with each unit's too, they would form a
    three-way table that a two-way protection does not cover).
    """
    units = sorted({unit for unit, _code in counts})
    if audience == Audience.HEADQUARTERS:
        groups: list[tuple[int | None, list[int], int]] = [(None, units, reports_k())]
    else:
        groups = [(unit, [unit], reports_unit_k()) for unit in units]
    pieces = []
    for unit, members, k in groups:
        cells: dict[tuple[int | str, str], int] = defaultdict(int)
        for (member, code), n in counts.items():
            if member in members:
                cells[(code[0], code[1]) if is_cross(report) else (member, code[0])] += n
        rows: list[int | str] = sorted({r for r, _c in cells}, key=str)
        if not is_cross(report):
            rows = list(members)
        cols = sorted({c for _r, c in cells})
        table = Table.from_rows(
            [str(r) for r in rows], cols, [[cells.get((r, c), 0) for c in cols] for r in rows]
        )
        layout = "cross" if is_cross(report) else "units"
        pieces.append(
            ReportPiece(
                report=report.name,
                audience=audience,
                unit_id=unit,
                period_kind=kind,
                period_start=start,
                k=k,
                table=piece_table(layout, rows, cols, publish(table, k=k)),
                published_at=now,
            )
        )
    return pieces


def piece_table(
    layout: str, rows: Iterable[int | str], cols: Iterable[str], published: Published
) -> dict[str, Any]:
    """The stored form: codes and published values only (None = [c])."""
    return {
        "layout": layout,
        "rows": list(rows),
        "cols": list(cols),
        "cells": [list(row) for row in published.cells],
        "row_totals": list(published.row_totals),
        "col_totals": list(published.col_totals),
        "total": published.total,
    }


def reports_unpublish() -> int:
    """Forget every release (tests and a deliberate restart only: what was
    published stays known to its readers, so a restart republishes
    history that can be compared with the old release)."""
    with transaction.atomic():
        deleted, _ = ReportPiece.objects.all().delete()
        ReportState.objects.filter(pk=1).update(published_at=None, closed_through=None)
    return deleted
