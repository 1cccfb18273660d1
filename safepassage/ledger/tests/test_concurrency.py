"""Two clicks on "pay" at once give one payment (PostgreSQL: real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from safepassage.ledger import services
from safepassage.ledger.models import Payment
from safepassage.ledger.services import LedgerRefused


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_give_one(funded, officer_a, witness_a, case_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks between connections (PostgreSQL)")
    services.payable_record(
        actor=officer_a,
        case=case_a,
        unit=case_a.unit,
        amount_minor=20_000,
        currency="MMK",
        source_kind="armoury.claim",
        source_id=5,
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def click() -> None:
        try:
            barrier.wait()
            services.payment_make(
                actor=officer_a,
                case=case_a,
                unit=case_a.unit,
                amount_minor=10_000,
                currency="MMK",
                method="cash_with_witness",
                witness=witness_a,
                source_kind="armoury.claim",
                source_id=5,
            )
            outcomes.append("paid")
        except LedgerRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid", "refused"]
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_unique_constraint_backs_the_check(funded, officer_a, witness_a, case_a, monkeypatch):
    """Even if the existence check were skipped, the database refuses a second row."""
    for source_id in (1, 2):
        services.payable_record(
            actor=officer_a,
            case=case_a,
            unit=case_a.unit,
            amount_minor=100,
            currency="MMK",
            source_kind="armoury.claim",
            source_id=source_id,
        )
    kwargs = {
        "actor": officer_a,
        "case": case_a,
        "unit": case_a.unit,
        "amount_minor": 100,
        "currency": "MMK",
        "method": "cash_with_witness",
        "witness": witness_a,
        "source_kind": "armoury.claim",
        "source_id": 1,
    }
    services.payment_make(**kwargs)

    class NoRows:
        def exists(self):
            return False

    real_filter = Payment.objects.filter
    monkeypatch.setattr(Payment.objects, "filter", lambda *a, **k: NoRows())
    with pytest.raises(LedgerRefused, match="already been paid"):
        services.payment_make(**kwargs)
    monkeypatch.setattr(Payment.objects, "filter", real_filter)
    assert Payment.objects.count() == 1
