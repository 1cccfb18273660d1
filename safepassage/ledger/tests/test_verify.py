"""`ledger_verify` catches rows edited or removed behind the ORM's back."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from safepassage.ledger.models import Entry, Transaction
from safepassage.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_clean_ledger_verifies(funded, capsys):
    call_command("ledger_verify")
    assert "2 transactions, 4 entries" in capsys.readouterr().out


def test_edited_entry_is_named(funded):
    entry = Entry.objects.filter(transaction__sequence=2, amount_minor__gt=0).get()
    _sql("UPDATE ledger_entry SET amount_minor = amount_minor + 1 WHERE id = %s", [entry.pk])
    report = ledger_verify()
    assert f"entry {entry.pk} of transaction #2 was altered" in "\n".join(report.problems)
    assert any("does not balance" in p for p in report.problems)
    assert any("running balance" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("ledger_verify")


def test_balanced_edit_still_caught(funded):
    """Moving money between two entries keeps the sums right: only the MACs see it."""
    pos = Entry.objects.filter(transaction__sequence=2, amount_minor__gt=0).get()
    neg = Entry.objects.filter(transaction__sequence=2, amount_minor__lt=0).get()
    _sql("UPDATE ledger_entry SET amount_minor = 1 WHERE id = %s", [pos.pk])
    _sql("UPDATE ledger_entry SET amount_minor = -1 WHERE id = %s", [neg.pk])
    problems = "\n".join(ledger_verify().problems)
    assert f"entry {pos.pk} of transaction #2 was altered" in problems
    assert f"entry {neg.pk} of transaction #2 was altered" in problems


def test_deleted_entry_is_caught(funded):
    entry = Entry.objects.filter(transaction__sequence=1).order_by("id").last()
    _sql("DELETE FROM ledger_entry WHERE id = %s", [entry.pk])
    problems = "\n".join(ledger_verify().problems)
    assert "transaction #1: MAC mismatch" in problems
    assert "transaction #1 does not balance" in problems


def test_edited_memo_is_caught(funded):
    _sql("UPDATE ledger_transaction SET memo = 'nothing to see' WHERE sequence = 1")
    problems = ledger_verify().problems
    assert problems == [
        "transaction #1: MAC mismatch (the transaction was edited, "
        "or one of its entries was edited, removed or added)"
    ]


def test_deleted_transaction_is_caught(funded):
    txn = Transaction.objects.get(sequence=2)
    _sql("DELETE FROM ledger_entry WHERE transaction_id = %s", [txn.pk])
    _sql("DELETE FROM ledger_transaction WHERE id = %s", [txn.pk])
    problems = "\n".join(ledger_verify().problems)
    assert "transactions #2..#2 are missing" in problems


def test_deleted_middle_transaction_is_caught(funded, hq_finance):
    from safepassage.ledger import services

    services.budget_fund(actor=hq_finance, amount_minor=5, currency="MMK")
    txn = Transaction.objects.get(sequence=2)
    _sql("DELETE FROM ledger_entry WHERE transaction_id = %s", [txn.pk])
    _sql("DELETE FROM ledger_transaction WHERE id = %s", [txn.pk])
    problems = "\n".join(ledger_verify().problems)
    assert "transaction #2 is missing (next is #3)" in problems


def test_tampered_balance_row_is_caught(funded):
    _sql("UPDATE ledger_accountbalance SET balance_minor = 999999")
    assert any("running balance 999999" in p for p in ledger_verify().problems)
