"""Headquarters' monthly budget: set by headquarters' finance staff only,
whole minor units, audited with the figure it replaces."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.ledger import selectors, services
from safepassage.ledger.models import MonthlyBudget
from safepassage.ledger.reporting import budgets_for_reporting, purpose_of

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 11, 17)


def test_headquarters_sets_a_month_and_a_second_figure_replaces_the_first(hq_finance):
    services.budget_set(actor=hq_finance, month=MONTH, purpose="reward", amount_minor=5_000_000)
    row = services.budget_set(
        actor=hq_finance, month=MONTH, purpose="reward", amount_minor=6_000_000
    )
    assert row.month == dt.date(2026, 11, 1)
    assert MonthlyBudget.objects.get().amount_minor == 6_000_000
    event = AuditEvent.objects.filter(action="ledger.budget_set").latest("pk")
    assert event.details["previous_minor"] == 5_000_000
    assert event.details["amount_minor"] == 6_000_000
    assert [b.amount_minor for b in selectors.budgets_for_year(hq_finance, 2026)] == [6_000_000]
    facts = budgets_for_reporting(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    assert [(f.month, f.purpose, f.currency, f.amount_minor) for f in facts] == [
        (dt.date(2026, 11, 1), "reward", "MMK", 6_000_000)
    ]


def test_a_unit_and_other_roles_may_not_set_or_read_the_budget(officer_a, hq):
    caseworker = UserFactory(unit=hq, roles=[Role.CASEWORKER])
    for actor in (officer_a, caseworker):
        with pytest.raises(PermissionDenied):
            services.budget_set(actor=actor, month=MONTH, purpose="reward", amount_minor=1)
        with pytest.raises(PermissionDenied):
            selectors.budgets_for_year(actor, 2026)
    assert not MonthlyBudget.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_minor": -1}, "between zero"),
        ({"amount_minor": 1.5}, "whole number"),
        ({"amount_minor": True}, "whole number"),
        ({"amount_minor": 10**16}, "between zero"),
        ({"purpose": "bribes"}, "Unknown budget purpose"),
        ({"currency": "mmk"}, "three-letter"),
        ({"month": dt.date(1999, 1, 1)}, "2000 and 2200"),
        ({"month": "2026-11"}, "is a date"),
    ],
)
def test_bad_budgets_are_refused_and_nothing_is_written(hq_finance, changes, message):
    arguments = {"month": MONTH, "purpose": "stipend", "amount_minor": 100, "currency": "MMK"}
    arguments.update(changes)
    with pytest.raises(services.LedgerRefused, match=message):
        services.budget_set(actor=hq_finance, **arguments)
    assert not MonthlyBudget.objects.exists()


def test_the_purpose_of_a_payment_comes_from_what_it_paid():
    assert purpose_of("armoury.claim") == "reward"
    assert purpose_of("reintegration.stipend") == "stipend"
    assert purpose_of("ledger.other") == "other"


def test_the_budget_page_sets_a_month_for_headquarters(client, hq_finance):
    sign_in(client, hq_finance)
    url = reverse("ledger:budget")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"month": "2026-11", "purpose": "stipend", "currency": "MMK", "amount": "2500000"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2026")
    page = client.get(url, {"year": "2026"}).content.decode()
    assert "2500000 MMK" in page


@pytest.mark.parametrize(
    "data",
    [
        {"month": "2026-13", "purpose": "stipend", "currency": "MMK", "amount": "1"},
        {"month": "2026-11", "purpose": "stipend", "currency": "MMK", "amount": "1.5"},
        {"month": "2026-11", "purpose": "stipend", "currency": "MMK", "amount": "-4"},
        {"month": "2026-11", "purpose": "<script>", "currency": "MMK", "amount": "1"},
        {"month": "2026-11", "purpose": "stipend", "currency": "MMK", "amount": "1e400"},
    ],
)
def test_bad_input_on_the_budget_page_is_a_400_with_nothing_written(client, hq_finance, data):
    sign_in(client, hq_finance)
    response = client.post(reverse("ledger:budget"), data)
    assert response.status_code == 400
    assert not MonthlyBudget.objects.exists()


def test_a_units_finance_staff_are_refused_the_budget_page(client, officer_a):
    sign_in(client, officer_a)
    assert client.get(reverse("ledger:budget")).status_code == 403
    assert client.get(reverse("ledger:budget"), {"year": "abc"}).status_code == 403


def test_a_year_that_is_not_one_falls_back_to_this_year(client, hq_finance):
    sign_in(client, hq_finance)
    assert client.get(reverse("ledger:budget"), {"year": "<b>"}).status_code == 200
    assert client.get(reverse("ledger:budget"), {"year": "99999"}).status_code == 200
