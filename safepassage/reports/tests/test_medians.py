"""The flow report's medians: summed over the periods in range, withheld
under k, kept per refresh; the dashboard does not compute them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safepassage.reports import selectors
from safepassage.reports.models import ReportCell, ReportState
from safepassage.reports.policies import Scope
from safepassage.reports.registry import BY_NAME

from .factories import unit

pytestmark = pytest.mark.django_db

HQ = Scope(headquarters=True, unit_ids=None, k=10, weeks_allowed=True)


def _cell(unit_id: int, month: dt.date, stage: str, days: int, count: int) -> None:
    ReportCell.objects.create(
        cube="flow_days",
        period_kind="month",
        period_start=month,
        unit_id=unit_id,
        key=f"stage={stage}|days={days}",
        count=count,
    )


@pytest.fixture
def months():
    a, b = unit("Unit A"), unit("Unit B")
    june, july = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
    # handed_over: 4 people after 2 days in June, 7 after 10 days in July
    # (median of 11 is the 6th: 10 days, found only by summing the months).
    _cell(a.pk, june, "handed_over", 2, 4)
    _cell(b.pk, july, "handed_over", 10, 7)
    _cell(a.pk, july, "received", 3, 9)  # 9 people: fewer than k
    ReportState.objects.update_or_create(pk=1, defaults={"refreshed_at": timezone.now()})
    selectors._MEDIANS.clear()
    return a, b


def _filters() -> selectors.Filters:
    return selectors.Filters(start=dt.date(2026, 6, 1), end=dt.date(2026, 7, 31))


def _medians(scope: Scope = HQ) -> dict[str, int | None]:
    result = selectors.report_table(scope=scope, report=BY_NAME["flow"], filters=_filters())
    return dict(result.medians)


def test_a_median_is_taken_over_every_period_in_range(months):
    medians = _medians()
    assert medians["Handed over"] == 10
    assert medians["Received"] is None  # 9 < k


def test_a_unit_scope_counts_its_own_cells_only(months):
    a, _b = months
    scope = Scope(headquarters=False, unit_ids=frozenset({a.pk}), k=3, weeks_allowed=False)
    medians = _medians(scope)
    assert medians["Handed over"] == 2  # June's 4 only
    assert medians["Received"] == 3


def test_a_refresh_is_not_hidden_by_the_kept_medians(months):
    a, _b = months
    assert _medians()["Handed over"] == 10
    _cell(a.pk, dt.date(2026, 6, 1), "handed_over", 1, 20)
    ReportState.objects.filter(pk=1).update(refreshed_at=timezone.now() + dt.timedelta(seconds=1))
    assert _medians()["Handed over"] == 1


def test_the_dashboard_does_not_read_the_medians_cube(months):
    with CaptureQueriesContext(connection) as queries:
        selectors.dashboard(scope=HQ, today=dt.date(2026, 7, 31))
    assert not any("flow_days" in query["sql"] for query in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        _medians()
    assert any("flow_days" in query["sql"] for query in queries.captured_queries)
