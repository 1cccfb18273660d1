"""Reads: headquarters' monthly budget beside the payments report.

The budget is the programme's own plan (no person in it): it is shown in
clear, to headquarters only, next to the published table of what was
paid. Paid as a share of budget is given only where the paid amount is
itself published: a share beside a suppressed amount would give it away.
Money stays whole minor units (exact integers); shares are Decimal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from safepassage.ledger.reporting import budgets_for_reporting

from .policies import Scope
from .registry import purpose_label
from .selectors import ReportResult, periods_between


@dataclass(frozen=True)
class BudgetLine:
    label: str
    budget: tuple[int | None, ...]  # per month shown; None: no budget set
    paid: tuple[int | None, ...]  # the published figure; None: suppressed
    share: tuple[Decimal | None, ...]  # paid / budget, in percent


def budget_lines(scope: Scope, result: ReportResult) -> list[BudgetLine]:
    """One line per purpose and currency that has a budget in the range,
    for the payments report at headquarters over every unit; [] else."""
    filters = result.filters
    if not scope.headquarters or filters.unit_id is not None or result.report.name != "payments":
        return []
    months = periods_between(filters.start, filters.end, "month")
    position = {month: n for n, month in enumerate(months)}
    planned: dict[str, list[int | None]] = {}
    for row in budgets_for_reporting(start=filters.start, end=filters.end):
        if row.month not in position:
            continue
        label = purpose_label(f"{row.purpose}:{row.currency}")
        line = planned.setdefault(label, [None] * len(months))
        line[position[row.month]] = row.amount_minor
    published = result.published
    rows = {label: n for n, label in enumerate(published.row_labels)}
    lines = []
    for label, budget in sorted(planned.items()):
        index = rows.get(label)
        if index is None:  # nothing paid for it in the year: true zeros
            paid: list[int | None] = [0] * len(months)
        else:
            paid = list(published.cells[index])
        if len(paid) != len(months):  # the table's columns are the months shown
            continue
        lines.append(
            BudgetLine(
                label=label,
                budget=tuple(budget),
                paid=tuple(paid),
                share=tuple(_share(p, b) for p, b in zip(paid, budget, strict=True)),
            )
        )
    return lines


def _share(paid: int | None, budget: int | None) -> Decimal | None:
    if paid is None or not budget:
        return None
    return (Decimal(paid) * 100 / Decimal(budget)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def month_labels(start: dt.date, end: dt.date) -> list[str]:
    return [month.strftime("%Y-%m") for month in periods_between(start, end, "month")]
