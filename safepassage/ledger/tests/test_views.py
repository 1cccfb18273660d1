from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safepassage.accounts.tests.factories import sign_in
from safepassage.audit.models import AuditEvent
from safepassage.ledger import exports, services
from safepassage.ledger.models import FloatReconciliation

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(funded, officer_a, witness_a, case_a):
    services.payable_record(
        actor=officer_a,
        case=case_a,
        unit=case_a.unit,
        amount_minor=5000,
        currency="MMK",
        source_kind="armoury.claim",
        source_id=3,
    )
    return services.payment_make(
        actor=officer_a,
        case=case_a,
        unit=case_a.unit,
        amount_minor=5000,
        currency="MMK",
        method="mobile_money",
        reference="=HYPERLINK(evil)",
        source_kind="armoury.claim",
        source_id=3,
    )


def test_overview_for_headquarters_shows_budget_and_payments(client, hq_finance, paid):
    sign_in(client, hq_finance)
    page = client.get(reverse("ledger:overview")).content.decode()
    assert "Budget" in page
    assert "70000 MMK" in page
    assert "Unit A" in page


def test_overview_for_a_unit_shows_its_own_only(client, officer_b, paid):
    sign_in(client, officer_b)
    page = client.get(reverse("ledger:overview")).content.decode()
    assert "Unit A" not in page
    assert "70000" not in page


def test_export_has_codes_not_names_and_is_audited(client, hq_finance, paid, case_a):
    sign_in(client, hq_finance)
    response = client.get(reverse("ledger:export", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][3] == "case_code"
    assert rows[1][3] == case_a.code
    assert "HYPERLINK" not in text  # the reference is never exported
    assert AuditEvent.objects.filter(action="ledger.exported").count() == 1
    response = client.get(reverse("ledger:export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][3] == case_a.code
    assert AuditEvent.objects.filter(action="ledger.exported").count() == 2


def test_unit_export_holds_its_unit_only(client, officer_b, paid):
    sign_in(client, officer_b)
    text = client.get(reverse("ledger:export", args=["csv"])).content.decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Unit A", "Unit A"),
        (-5, -5),
    ],
)
def test_formula_guard(value, safe):
    assert exports.cell(value) == safe


def test_reconcile_form(client, officer_a, funded):
    sign_in(client, officer_a)
    url = reverse("ledger:reconcile", args=[funded.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"month": "2026-13", "currency": "MMK", "counted_minor": "1"})
    assert bad.status_code == 200
    bad = client.post(url, {"month": "2026-11", "currency": "MMK", "counted_minor": "1.5"})
    assert bad.status_code == 200
    assert FloatReconciliation.objects.count() == 0
    response = client.post(
        url, {"month": "2026-11", "currency": "MMK", "counted_minor": "29000", "note": "n"}
    )
    assert response.status_code == 302
    assert FloatReconciliation.objects.get().difference_minor == -1000


def test_reconcile_of_another_unit_is_refused(client, officer_b, funded):
    sign_in(client, officer_b)
    response = client.post(
        reverse("ledger:reconcile", args=[funded.pk]),
        {"month": "2026-11", "currency": "MMK", "counted_minor": "1"},
    )
    assert response.status_code == 403
    assert FloatReconciliation.objects.count() == 0
    assert AuditEvent.objects.filter(action="accounts.permission_denied").exists()
