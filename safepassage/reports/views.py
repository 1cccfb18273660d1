"""Report pages: the dashboard, a page per report, exports, the weekly
brief. Thin: the scope from policies, the filters from a GET form, the
table from a selector. No page names a case or links to one.

A report unknown or outside the user's scope answers 404 with a message;
bad filters answer 400 with the form's message; never a 500.
"""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.core.permissions import refuse_in_view, requires_role

from . import budgets, selectors, services
from .charts import bar_chart, trend_chart
from .exports import write_csv, write_xlsx
from .forms import ReportFilterForm
from .policies import REPORT_ROLES, Scope, scope_for
from .registry import PERIOD, Report

report_view = requires_role(*REPORT_ROLES)


def _scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if scope is None:  # the role is held but no unit: refuse, audited
        raise refuse_in_view(request, "scope")
    return scope


def _unknown(request: HttpRequest, scope: Scope) -> HttpResponse:
    return render(
        request,
        "reports/unknown.html",
        {"reports": selectors.reports_for(scope)},
        status=404,
    )


def _chart(result: selectors.ReportResult) -> Any:
    published = result.published
    title = str(result.report.title)
    if result.report.cols.name == PERIOD:
        return trend_chart(
            list(zip(published.col_labels, published.col_totals, strict=True)), title=title
        )
    return bar_chart(
        list(zip(published.row_labels, published.row_totals, strict=True)), title=title
    )


def _section(result: selectors.ReportResult) -> dict[str, Any]:
    return {
        "result": result,
        "rows": selectors.display_rows(result.published),
        "chart": _chart(result),
        "suppressed": selectors.suppressed_count(result.published),
    }


def _headlines(scope: Scope) -> list[dict[str, Any]]:
    return [
        {
            "headline": headline,
            "chart": trend_chart(headline.points, title=headline.title),
        }
        for headline in selectors.dashboard(scope=scope, today=timezone.localdate())
    ]


def _common(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    return {
        "scope": scope,
        "as_of": selectors.figures_as_of(),
        "reports": selectors.reports_for(scope),
    }


@report_view
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    context = _common(request, scope)
    context["headlines"] = _headlines(scope)
    return render(request, "reports/dashboard.html", context)


def _filtered(
    request: HttpRequest, scope: Scope, name: str
) -> tuple[Report | None, ReportFilterForm]:
    report = selectors.report_get_for_scope(scope, name)
    form = ReportFilterForm(request.GET or None, scope=scope, today=timezone.localdate())
    if not request.GET:
        form = ReportFilterForm({}, scope=scope, today=timezone.localdate())
    return report, form


@report_view
def report_detail(request: HttpRequest, name: str) -> HttpResponse:
    scope = _scope(request)
    report, form = _filtered(request, scope, name)
    if report is None:
        return _unknown(request, scope)
    context = _common(request, scope)
    context.update(report=report, form=form, units=form.units)
    if not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    result = selectors.report_table(scope=scope, report=report, filters=form.filters())
    context.update(_section(result))
    context["budget_lines"] = budgets.budget_lines(scope, result)
    context["months"] = budgets.month_labels(result.filters.start, result.filters.end)
    context["query"] = request.GET.urlencode()
    return render(request, "reports/report.html", context)


@report_view
def report_export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    scope = _scope(request)
    report, form = _filtered(request, scope, name)
    if report is None or fmt not in ("csv", "xlsx"):
        return _unknown(request, scope)
    if not form.is_valid():
        context = _common(request, scope)
        context.update(report=report, form=form, units=form.units)
        return render(request, "reports/report.html", context, status=400)
    result = selectors.report_table(scope=scope, report=report, filters=form.filters())
    title = str(report.title)
    with transaction.atomic():
        services.report_exported_record(
            actor=request.user, report=report.name, scope=scope.label, fmt=fmt, request=request
        )
        if fmt == "csv":
            text = io.StringIO()
            write_csv(result.published, text, title=title)
            response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
        else:
            binary = io.BytesIO()
            write_xlsx(result.published, binary, title=title)
            response = HttpResponse(
                binary.getvalue(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
    filename = f"{report.name}-{result.filters.start:%Y%m%d}-{result.filters.end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@report_view
def brief(request: HttpRequest) -> HttpResponse:
    """The printable weekly brief: headline numbers and trends, weapons,
    rounds and money paid, depletion, reintegration outcomes (print stylesheet; PDF from the
    browser)."""
    scope = _scope(request)
    today = timezone.localdate()
    context = _common(request, scope)
    context["headlines"] = _headlines(scope)
    form = ReportFilterForm({}, scope=scope, today=today)
    form.is_valid()
    filters = form.filters()
    sections = []
    for name in ("weapons", "ammunition", "payments", "depletion", "plans", "followups"):
        report = selectors.report_get_for_scope(scope, name)
        if report is not None:
            sections.append(
                _section(selectors.report_table(scope=scope, report=report, filters=filters))
            )
    context.update(sections=sections, today=today, title=_("Weekly brief"))
    return render(request, "reports/brief.html", context)
