"""What the ledger hands the reports app: payments per case and the
monthly budgets, coarse (purpose, currency, amount, when; never a
method, reference or family member, nothing encrypted)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .models import MonthlyBudget, Payment

#: What a payment was for, by the business object it paid.
PURPOSE_BY_SOURCE = {"armoury.claim": "reward"}


def purpose_of(source_kind: str) -> str:
    """`reward` for an armoury claim, `stipend` for a stipend month, else `other`."""
    if source_kind in PURPOSE_BY_SOURCE:
        return PURPOSE_BY_SOURCE[source_kind]
    return "stipend" if "stipend" in source_kind else "other"


@dataclass(frozen=True)
class PaymentFacts:
    purpose: str
    currency: str
    amount_minor: int
    paid_at: dt.datetime


def payments_for_reporting(case_ids: Iterable[int]) -> dict[int, list[PaymentFacts]]:
    ids = sorted(set(case_ids))
    result: dict[int, list[PaymentFacts]] = {}
    if not ids:
        return result
    rows = (
        Payment.objects.filter(case_id__in=ids)
        .order_by("pk")
        .values_list("case_id", "source_kind", "currency", "amount_minor", "created_at")
    )
    for case_id, source_kind, currency, amount, created_at in rows:
        result.setdefault(case_id, []).append(
            PaymentFacts(
                purpose=purpose_of(source_kind),
                currency=currency,
                amount_minor=int(amount),
                paid_at=created_at,
            )
        )
    return result


@dataclass(frozen=True)
class BudgetFacts:
    month: dt.date
    purpose: str
    currency: str
    amount_minor: int


def budgets_for_reporting(*, start: dt.date, end: dt.date) -> list[BudgetFacts]:
    """Headquarters' monthly budgets between two days (by month)."""
    rows = MonthlyBudget.objects.filter(
        month__gte=start.replace(day=1), month__lte=end
    ).values_list("month", "purpose", "currency", "amount_minor")
    return [
        BudgetFacts(month, purpose, currency, int(amount))
        for month, purpose, currency, amount in rows
    ]
