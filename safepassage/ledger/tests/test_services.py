from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from safepassage.audit.models import AuditEvent
from safepassage.ledger import selectors, services
from safepassage.ledger.models import (
    Account,
    AccountKind,
    AppendOnlyError,
    Entry,
    FloatReconciliation,
    Payment,
    Transaction,
)
from safepassage.ledger.services import LedgerRefused

pytestmark = pytest.mark.django_db


def _bal(kind, **owner):
    return selectors.account_balance(services.account_for(kind=kind, **owner))


def test_account_for_is_get_or_create_and_checks_owner(unit_a, case_a):
    first = services.account_for(kind=AccountKind.UNIT_FLOAT, unit=unit_a)
    assert services.account_for(kind=AccountKind.UNIT_FLOAT, unit=unit_a) == first
    assert services.account_for(kind=AccountKind.UNIT_FLOAT, unit=unit_a, currency="USD") != first
    with pytest.raises(LedgerRefused):
        services.account_for(kind=AccountKind.UNIT_FLOAT)
    with pytest.raises(LedgerRefused):
        services.account_for(kind=AccountKind.CASE_PAYABLE, unit=unit_a)
    with pytest.raises(LedgerRefused):
        services.account_for(kind=AccountKind.BUDGET, case=case_a)
    with pytest.raises(LedgerRefused):
        services.account_for(kind="savings")
    for bad in ("mmk", "MM", "MMKK", "", None, "M1K"):
        with pytest.raises(LedgerRefused):
            services.account_for(kind=AccountKind.BUDGET, currency=bad)


def test_funding_moves_budget_to_float(funded, hq_finance):
    assert _bal(AccountKind.BUDGET) == 70_000
    assert _bal(AccountKind.UNIT_FLOAT, unit=funded) == 30_000
    assert _bal(AccountKind.FUNDING) == -100_000
    assert selectors.unit_balances(hq_finance, funded) == {"MMK": 30_000}


@pytest.mark.parametrize(
    "amounts",
    [
        [100, -99],  # unbalanced
        [0, 0],  # zero
        [1.5, -1.5],  # float
        [decimal.Decimal(5), decimal.Decimal(-5)],  # not an int
        ["5", "-5"],
        [True, -1],
        [10**16, -(10**16)],  # huge
        [100],  # one line
    ],
)
def test_transaction_post_refuses_bad_lines(hq, unit_a, amounts):
    accounts = [
        services.account_for(kind=AccountKind.BUDGET),
        services.account_for(kind=AccountKind.UNIT_FLOAT, unit=unit_a),
    ]
    lines = list(zip(accounts, amounts, strict=False))
    with pytest.raises(LedgerRefused):
        services.transaction_post(
            actor=None, lines=lines, memo="test", source_kind="test.case", source_id=1
        )
    assert Transaction.objects.count() == 0
    assert Entry.objects.count() == 0


def test_transaction_post_refuses_mixed_currency_and_bad_sources(unit_a):
    kyat = services.account_for(kind=AccountKind.BUDGET)
    dollars = services.account_for(kind=AccountKind.UNIT_FLOAT, unit=unit_a, currency="USD")
    with pytest.raises(LedgerRefused):
        services.transaction_post(
            actor=None, lines=[(kyat, 5), (dollars, -5)], memo="x", source_kind="t.x", source_id=1
        )
    float_a = services.account_for(kind=AccountKind.UNIT_FLOAT, unit=unit_a)
    for kind, sid, memo in [
        ("Bad Kind", 1, "m"),
        ("t.x", -1, "m"),
        ("t.x", 1.0, "m"),
        ("t.x", 1, "   "),
        ("t.x", 1, "x" * 201),
        ("t.x; drop", 1, "m"),
    ]:
        with pytest.raises(LedgerRefused):
            services.transaction_post(
                actor=None,
                lines=[(kyat, 5), (float_a, -5)],
                memo=memo,
                source_kind=kind,
                source_id=sid,
            )
    with pytest.raises(LedgerRefused):
        services.transaction_post(
            actor=None, lines="not lines", memo="m", source_kind="t.x", source_id=1
        )
    with pytest.raises(LedgerRefused):
        services.transaction_post(
            actor=None,
            lines=[("budget", 5), (float_a, -5)],
            memo="m",
            source_kind="t.x",
            source_id=1,
        )
    assert Transaction.objects.count() == 0


def test_posting_is_audited_and_chained(funded):
    txns = list(Transaction.objects.order_by("sequence"))
    assert [t.sequence for t in txns] == [1, 2]
    assert all(len(t.mac) == 64 for t in txns)
    assert AuditEvent.objects.filter(action="ledger.posted").count() == 2


def test_rows_are_append_only(funded):
    txn = Transaction.objects.first()
    entry = Entry.objects.first()
    txn.memo = "edited"
    with pytest.raises(AppendOnlyError):
        txn.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).update(amount_minor=1)
    with pytest.raises(AppendOnlyError):
        Transaction.objects.all().delete()


def test_reverse_once(funded, hq_finance):
    txn = Transaction.objects.get(sequence=2)
    reversal = services.transaction_reverse(actor=hq_finance, transaction=txn, reason="wrong unit")
    assert reversal.reverses == txn
    assert _bal(AccountKind.UNIT_FLOAT, unit=funded) == 0
    assert _bal(AccountKind.BUDGET) == 100_000
    with pytest.raises(LedgerRefused):
        services.transaction_reverse(actor=hq_finance, transaction=txn, reason="again")
    with pytest.raises(LedgerRefused):
        services.transaction_reverse(actor=hq_finance, transaction=reversal, reason="undo")
    with pytest.raises(LedgerRefused):
        services.transaction_reverse(
            actor=hq_finance, transaction=Transaction.objects.get(sequence=1), reason=" "
        )


def test_only_headquarters_funds(officer_a, unit_a):
    with pytest.raises(PermissionDenied):
        services.budget_fund(actor=officer_a, amount_minor=5, currency="MMK")
    with pytest.raises(PermissionDenied):
        services.unit_float_fund(actor=officer_a, unit=unit_a, amount_minor=5, currency="MMK")


def test_float_cannot_exceed_budget(hq_finance, unit_a):
    services.budget_fund(actor=hq_finance, amount_minor=10, currency="MMK")
    with pytest.raises(LedgerRefused, match="budget holds 10"):
        services.unit_float_fund(actor=hq_finance, unit=unit_a, amount_minor=11, currency="MMK")


def _payable(officer, case, amount=12_000, source_id=7):
    return services.payable_record(
        actor=officer,
        case=case,
        unit=case.unit,
        amount_minor=amount,
        currency="MMK",
        source_kind="armoury.claim",
        source_id=source_id,
    )


def _pay(actor, case, amount=12_000, source_id=7, **method):
    method = method or {"method": "cash_with_witness"}
    return services.payment_make(
        actor=actor,
        case=case,
        unit=case.unit,
        amount_minor=amount,
        currency="MMK",
        source_kind="armoury.claim",
        source_id=source_id,
        **method,
    )


def test_payable_then_cash_payment_balances(funded, officer_a, witness_a, case_a, hq_finance):
    _payable(officer_a, case_a)
    assert selectors.case_payable(officer_a, case_a) == 12_000
    assert _bal(AccountKind.BUDGET) == 58_000
    payment = _pay(officer_a, case_a, method="cash_with_witness", witness=witness_a)
    assert payment.witness == witness_a
    assert selectors.case_payable(officer_a, case_a) == 0
    assert _bal(AccountKind.UNIT_FLOAT, unit=funded) == 18_000
    assert _bal(AccountKind.PAID_OUT) == 12_000
    assert _bal(AccountKind.BUDGET) == 70_000
    total = sum(selectors.account_balance(a) for a in Account.objects.all())
    assert total == 0
    (row,) = selectors.payments_by_unit_month(hq_finance)
    assert (row.unit_id, row.count, row.total_minor) == (funded.pk, 1, 12_000)
    assert AuditEvent.objects.filter(action="ledger.payment_made").count() == 1


def test_second_payment_for_the_same_claim_refused(funded, officer_a, witness_a, case_a):
    _payable(officer_a, case_a, amount=24_000)
    _pay(officer_a, case_a, witness=witness_a, method="cash_with_witness")
    with pytest.raises(LedgerRefused, match="already been paid"):
        _pay(officer_a, case_a, witness=witness_a, method="cash_with_witness")
    assert Payment.objects.count() == 1


def test_second_payable_for_the_same_claim_refused(funded, officer_a, case_a):
    _payable(officer_a, case_a)
    with pytest.raises(LedgerRefused):
        _payable(officer_a, case_a)


def test_payment_above_payable_refused(funded, officer_a, witness_a, case_a):
    _payable(officer_a, case_a, amount=1000)
    with pytest.raises(LedgerRefused, match="owed 1000"):
        _pay(officer_a, case_a, amount=1001, witness=witness_a, method="cash_with_witness")
    assert Payment.objects.count() == 0


def test_payment_above_float_refused_clearly(funded, officer_a, witness_a, case_a):
    _payable(officer_a, case_a, amount=40_000)
    with pytest.raises(LedgerRefused, match="float holds 30000"):
        _pay(officer_a, case_a, amount=40_000, witness=witness_a, method="cash_with_witness")
    assert Transaction.objects.count() == 3  # two fundings and the payable


@pytest.mark.parametrize(
    ("method", "why"),
    [
        ({"method": "cash_with_witness"}, "witness"),
        ({"method": "mobile_money", "reference": "  "}, "reference"),
        ({"method": "family_member", "family_member": ""}, "family member"),
        ({"method": "bitcoin"}, "Unknown"),
    ],
)
def test_payment_method_requirements(funded, officer_a, case_a, method, why):
    _payable(officer_a, case_a)
    with pytest.raises(LedgerRefused, match=why):
        _pay(officer_a, case_a, **method)


def test_witness_is_not_the_payer(funded, officer_a, case_a):
    _payable(officer_a, case_a)
    with pytest.raises(LedgerRefused, match="other than"):
        _pay(officer_a, case_a, method="cash_with_witness", witness=officer_a)


def test_mobile_money_and_family_are_encrypted(funded, officer_a, case_a):
    _payable(officer_a, case_a, amount=100, source_id=1)
    _payable(officer_a, case_a, amount=100, source_id=2)
    mobile = _pay(officer_a, case_a, 100, 1, method="mobile_money", reference="KBZ-4471-0099")
    family = _pay(officer_a, case_a, 100, 2, method="family_member", family_member="Mother, Daw X")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reference, family_member FROM ledger_payment WHERE id IN (%s, %s)",
            [mobile.pk, family.pk],
        )
        stored = b"".join(bytes(value) for row in cursor.fetchall() for value in row)
    assert b"KBZ" not in stored
    assert b"4471" not in stored
    assert b"Mother" not in stored
    assert Payment.objects.get(pk=mobile.pk).reference == "KBZ-4471-0099"
    assert Payment.objects.get(pk=family.pk).family_member == "Mother, Daw X"


def test_other_unit_cannot_pay_or_read(funded, officer_b, officer_a, case_a, unit_a, witness_a):
    _payable(officer_a, case_a)
    with pytest.raises(PermissionDenied):
        _pay(officer_b, case_a, method="cash_with_witness", witness=witness_a)
    with pytest.raises(PermissionDenied):
        selectors.unit_balances(officer_b, unit_a)
    with pytest.raises(PermissionDenied):
        selectors.case_payable(officer_b, case_a)
    with pytest.raises(PermissionDenied):
        selectors.budget_balances(officer_a)
    assert selectors.payments_by_unit_month(officer_b) == []


def test_reconcile_records_the_difference(funded, officer_a):
    row = services.float_reconcile(
        actor=officer_a,
        unit=funded,
        month=dt.date(2026, 11, 17),
        counted_minor=29_500,
        note="short",
    )
    assert (row.month, row.book_minor, row.difference_minor) == (dt.date(2026, 11, 1), 30_000, -500)
    assert _bal(AccountKind.UNIT_FLOAT, unit=funded) == 30_000  # never corrected silently
    assert FloatReconciliation.objects.get().note == "short"
    for bad in (-1, 1.5, "29500", None):
        with pytest.raises(LedgerRefused):
            services.float_reconcile(
                actor=officer_a, unit=funded, month=dt.date(2026, 11, 1), counted_minor=bad, note=""
            )
    with pytest.raises(LedgerRefused):
        services.float_reconcile(
            actor=officer_a, unit=funded, month=dt.date(2999, 1, 1), counted_minor=1, note=""
        )


def test_payable_cancel(funded, officer_a, officer_b, witness_a, case_a):
    _payable(officer_a, case_a)
    with pytest.raises(PermissionDenied):
        services.payable_cancel(
            actor=officer_b, source_kind="armoury.claim", source_id=7, reason="x"
        )
    services.payable_cancel(
        actor=officer_a, source_kind="armoury.claim", source_id=7, reason="claim cancelled"
    )
    assert selectors.case_payable(officer_a, case_a) == 0
    assert _bal(AccountKind.BUDGET) == 70_000
    with pytest.raises(LedgerRefused, match="No open payable"):
        services.payable_cancel(
            actor=officer_a, source_kind="armoury.claim", source_id=7, reason="again"
        )
    _payable(officer_a, case_a)  # approved again: a new payable is allowed
    _pay(officer_a, case_a, method="cash_with_witness", witness=witness_a)
    with pytest.raises(LedgerRefused, match="already been paid"):
        services.payable_cancel(
            actor=officer_a, source_kind="armoury.claim", source_id=7, reason="late"
        )
