"""Finance pages: the overview, a unit's float count, auditors' exports.

Reward officers and approvers only; headquarters' see every unit, a
unit's their own. Thin: selectors, a form, a service.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.accounts.selectors import unit_active_get
from safepassage.audit.services import audit_record
from safepassage.core.permissions import refuse_in_view, requires_role

from . import exports, policies, selectors, services
from .forms import BudgetForm, ReconcileForm

finance_view = requires_role(Role.REWARD_OFFICER, Role.REWARD_APPROVER)


@finance_view
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    headquarters = policies.is_headquarters_finance(user)
    context = {
        "headquarters": headquarters,
        "budget": selectors.budget_balances(user) if headquarters else {},
        "floats": selectors.unit_floats(user),
        "payments": selectors.payments_by_unit_month(user),
        "reconciliations": selectors.reconciliations_for(user),
        "own_unit": user.unit,
    }
    return render(request, "ledger/overview.html", context)


@finance_view
@require_http_methods(["GET", "POST"])
def reconcile(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = cast(User, request.user)
    unit = unit_active_get(unit_id)
    if unit is None:
        raise Http404
    if not policies.sees_unit_money(user, unit.pk):
        raise refuse_in_view(request, "other_unit")
    form = ReconcileForm(request.POST or None, initial={"currency": "MMK"})
    if request.method == "POST" and form.is_valid():
        try:
            row = services.float_reconcile(
                actor=user,
                unit=unit,
                month=form.cleaned_data["month"],
                counted_minor=form.cleaned_data["counted_minor"],
                note=form.cleaned_data["note"],
                currency=form.cleaned_data["currency"],
            )
        except services.LedgerRefused as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Count recorded: difference %(difference)s %(currency)s against the books.")
                % {"difference": row.difference_minor, "currency": row.currency},
            )
            return HttpResponseRedirect(reverse("ledger:overview"))
    return render(
        request,
        "ledger/reconcile.html",
        {"form": form, "unit": unit, "balances": selectors.unit_balances(user, unit)},
    )


@finance_view
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    user = cast(User, request.user)
    payments = selectors.payments_for_export(user)
    audit_record(
        actor=user,
        action="ledger.exported",
        unit=None if policies.is_headquarters_finance(user) else user.unit_id,
        request=request,
        details={"format": fmt, "rows": payments.count()},
    )
    stamp = timezone.now().strftime("%Y%m%d")
    if fmt == "csv":
        response = HttpResponse(exports.as_csv(payments), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.as_xlsx(payments),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="payments-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@finance_view
@require_http_methods(["GET", "POST"])
def budget(request: HttpRequest) -> HttpResponse:
    """Headquarters' monthly budgets for a year, and a form to set one."""
    user = cast(User, request.user)
    if not policies.is_headquarters_finance(user):
        raise refuse_in_view(request, "not_headquarters")
    year = _year(request.GET.get("year"))
    form = BudgetForm(request.POST or None, initial={"currency": "MMK"})
    if request.method == "POST" and form.is_valid():
        try:
            row = services.budget_set(
                actor=user,
                month=form.cleaned_data["month"],
                purpose=form.cleaned_data["purpose"],
                currency=form.cleaned_data["currency"],
                amount_minor=form.cleaned_data["amount"],
            )
        except services.LedgerRefused as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Budget set."))
            return HttpResponseRedirect(f"{reverse('ledger:budget')}?year={row.month.year}")
    return render(
        request,
        "ledger/budget.html",
        {
            "form": form,
            "year": year,
            "rows": selectors.budgets_for_year(user, year),
            "previous": year - 1,
            "next": year + 1,
        },
        status=400 if request.method == "POST" else 200,
    )


def _year(text: str | None) -> int:
    """The year asked for; this year when absent or not a year."""
    today = timezone.localdate()
    try:
        year = int(str(text or "")[:4])
    except ValueError:
        return today.year
    return year if services.BUDGET_YEARS[0] <= year <= services.BUDGET_YEARS[1] else today.year
