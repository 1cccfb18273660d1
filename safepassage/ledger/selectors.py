"""Reads of the ledger, scoped to what the user may see.

Headquarters' finance staff (reward officers and approvers of the
headquarters unit) see every unit; a unit's finance staff their unit
only; anyone else nothing (PermissionDenied).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from . import policies
from .models import (
    DEFAULT_CURRENCY,
    Account,
    AccountBalance,
    AccountKind,
    Entry,
    FloatReconciliation,
    MonthlyBudget,
    Payment,
)

__all__ = [
    "PaymentMonth",
    "account_balance",
    "account_balance_naive",
    "budget_balances",
    "budgets_for_year",
    "case_payable",
    "payments_by_unit_month",
    "reconciliations_for",
    "unit_balances",
    "unit_floats",
]


# The hot reads are one statement each, written out: on a loaded machine the
# ORM's query building costs ten times the read itself (docs/benchmarks.md).
_BALANCE_SQL = "SELECT balance_minor FROM ledger_accountbalance WHERE account_id = %s"
_OWNED_SQL = (
    "SELECT a.currency, b.balance_minor FROM ledger_account a "
    "JOIN ledger_accountbalance b ON b.account_id = a.id "
    "WHERE a.kind = %s AND a.{owner}_id = %s"
)


def account_balance(account: Account) -> int:
    """The running balance, in minor units: one indexed row."""
    with connection.cursor() as cursor:
        cursor.execute(_BALANCE_SQL, [account.pk])
        row = cursor.fetchone()
    return int(row[0]) if row is not None else 0


def account_balance_naive(account: Account) -> int:
    """The balance summed over every entry (what `ledger_verify` and the
    benchmark compare the running balance with)."""
    total = Entry.objects.filter(account_id=account.pk).aggregate(total=Sum("amount_minor"))
    return int(total["total"] or 0)


def _check_unit(user: Any, unit_id: int | None) -> None:
    if not policies.sees_unit_money(user, unit_id):
        raise PermissionDenied("other_unit")


def _balances(kind: str, **owner: Any) -> dict[str, int]:
    rows = AccountBalance.objects.filter(account__kind=kind, **owner).values_list(
        "account__currency", "balance_minor"
    )
    return {currency: int(balance) for currency, balance in rows}


def _owned_balances(kind: str, owner: str, owner_id: int) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(_OWNED_SQL.format(owner=owner), [kind, owner_id])
        return {currency: int(balance) for currency, balance in cursor.fetchall()}


def unit_balances(user: Any, unit: Any) -> dict[str, int]:
    """The unit's cash float by currency ({} before the first funding)."""
    _check_unit(user, getattr(unit, "pk", None))
    return _owned_balances(AccountKind.UNIT_FLOAT, "unit", int(unit.pk))


def case_payable(user: Any, case: Any, currency: str = DEFAULT_CURRENCY) -> int:
    """What the programme owes the case, in minor units of `currency`."""
    _check_unit(user, getattr(case, "unit_id", None))
    return _owned_balances(AccountKind.CASE_PAYABLE, "case", int(case.pk)).get(currency, 0)


def budget_balances(user: Any) -> dict[str, int]:
    if not policies.is_headquarters_finance(user):
        raise PermissionDenied("not_headquarters")
    return _balances(AccountKind.BUDGET)


@dataclass(frozen=True)
class UnitFloat:
    unit_id: int
    unit_name: str
    currency: str
    balance_minor: int


def unit_floats(user: Any) -> list[UnitFloat]:
    """Every float the user may see, by unit name."""
    rows = AccountBalance.objects.filter(account__kind=AccountKind.UNIT_FLOAT)
    if not policies.is_headquarters_finance(user):
        if not policies.is_finance(user):
            return []
        rows = rows.filter(account__unit_id=user.unit_id)
    return [
        UnitFloat(r["account__unit_id"], r["account__unit__name"], r["account__currency"], r["b"])
        for r in rows.values(
            "account__unit_id", "account__unit__name", "account__currency", b=Sum("balance_minor")
        ).order_by("account__unit__name", "account__currency")
    ]


@dataclass(frozen=True)
class PaymentMonth:
    unit_id: int
    unit_name: str
    month: dt.date
    currency: str
    count: int
    total_minor: int


def _payments_for(user: Any) -> QuerySet[Payment]:
    if policies.is_headquarters_finance(user):
        return Payment.objects.all()
    if policies.is_finance(user):
        return Payment.objects.filter(unit_id=user.unit_id)
    return Payment.objects.none()


def payments_by_unit_month(
    user: Any,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    unit: Any = None,
) -> list[PaymentMonth]:
    """Payments summed per unit, calendar month (UTC) and currency."""
    payments = _payments_for(user)
    if unit is not None:
        _check_unit(user, unit.pk)
        payments = payments.filter(unit_id=unit.pk)
    if since is not None:
        payments = payments.filter(created_at__date__gte=since)
    if until is not None:
        payments = payments.filter(created_at__date__lte=until)
    rows = (
        payments.annotate(month=TruncMonth("created_at"))
        .values("unit_id", "unit__name", "month", "currency")
        .annotate(count=Count("id"), total=Sum("amount_minor"))
        .order_by("-month", "unit__name", "currency")
    )
    result = []
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        result.append(
            PaymentMonth(
                row["unit_id"],
                row["unit__name"],
                month,
                row["currency"],
                row["count"],
                row["total"],
            )
        )
    return result


def payments_for_export(user: Any) -> QuerySet[Payment]:
    """Payment rows for an auditor's export (case codes, never names)."""
    return (
        _payments_for(user)
        .select_related("case", "unit", "transaction")
        .only(
            "id",
            "amount_minor",
            "currency",
            "method",
            "source_kind",
            "source_id",
            "created_at",
            "case__code",
            "unit__name",
            "transaction__sequence",
            "witness_id",
            "actor_id",
        )
        .order_by("created_at", "id")
    )


def reconciliations_for(user: Any, *, limit: int = 50) -> list[FloatReconciliation]:
    rows = FloatReconciliation.objects.select_related("unit").order_by("-month", "-id")
    if not policies.is_headquarters_finance(user):
        if not policies.is_finance(user):
            return []
        rows = rows.filter(unit_id=user.unit_id)
    return list(
        rows.only(
            "id",
            "unit__name",
            "month",
            "currency",
            "counted_minor",
            "book_minor",
            "difference_minor",
            "created_at",
        )[:limit]
    )


def budgets_for_year(user: Any, year: int) -> list[MonthlyBudget]:
    """Headquarters' monthly budgets of `year` (headquarters' finance
    staff only)."""
    if not policies.is_headquarters_finance(user):
        raise PermissionDenied("not_headquarters")
    return list(MonthlyBudget.objects.filter(month__year=year).order_by("month", "purpose"))
