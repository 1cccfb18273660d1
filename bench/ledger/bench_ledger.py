"""Ledger balances: the running-balance row against the naive SUM over entries.

Fills a throw-away database with `--entries` entries (transactions of
four entries each: case payable +, budget -, unit float -, paid out +) spread over
`--units` unit floats and `--cases` case payables, written in bulk with
SQL (not through the service: the chain MACs of these rows are not
meant to verify), sets the balance rows from them, then times, in one
run, `account_balance` / `case_payable` (one indexed row) and
`account_balance_naive` (SUM over the account's entries) for the
budget, unit floats and case payables; and a few real `payment_make`
postings at that scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sp_ledger \\
        .venv/bin/python bench/ledger/bench_ledger.py --entries 5000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench._django import create_test_database, destroy_test_database, setup_django

PASSPHRASE = "benchmark passphrase"  # noqa: S105 - a throw-away key ring


def _times(function: Callable[[], object], samples: int) -> tuple[float, float]:
    durations = []
    for _ in range(samples):
        start = time.perf_counter()
        function()
        durations.append((time.perf_counter() - start) * 1000)
    durations.sort()
    p95 = durations[min(len(durations) - 1, int(len(durations) * 0.95))]
    return statistics.median(durations), p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    from safepassage.accounts.models import Unit
    from safepassage.accounts.roles import Role
    from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory
    from safepassage.cases.tests.factories import case_create
    from safepassage.ledger import chain, selectors, services
    from safepassage.ledger.models import AccountKind, LedgerChainState
    from safepassage.vault import api as vault
    from safepassage.vault import keyring

    db_name = create_test_database()
    try:
        keyring.keyring_create(PASSPHRASE, path=settings.VAULT_KEYRING_PATH)
        keyring.unlock(PASSPHRASE, path=settings.VAULT_KEYRING_PATH)
        started = time.perf_counter()
        hq = HeadquartersFactory()
        finance = UserFactory(unit=hq, roles=[Role.REWARD_APPROVER])
        units = [
            Unit.objects.create(name=f"Bench unit {i}", kind="pdf_battalion")
            for i in range(args.units)
        ]
        cases = [case_create(unit=units[i % len(units)]) for i in range(args.cases)]
        budget = services.account_for(kind=AccountKind.BUDGET)
        paid_out = services.account_for(kind=AccountKind.PAID_OUT)
        floats = [services.account_for(kind=AccountKind.UNIT_FLOAT, unit=u) for u in units]
        payables = [services.account_for(kind=AccountKind.CASE_PAYABLE, case=c) for c in cases]
        payments = args.entries // 4
        float_ids = [a.pk for a in floats]
        payable_ids = [a.pk for a in payables]
        vendor = connection.vendor
        with connection.cursor() as cursor:
            # One transaction row per payment, then its four entries.
            if vendor == "postgresql":
                cursor.execute(
                    "INSERT INTO ledger_transaction"
                    " (sequence, created_at, actor_id, currency, memo,"
                    " source_kind, source_id, reverses_id, mac)"
                    " SELECT g, now() - (g || ' seconds')::interval, NULL, 'MMK', 'bench',"
                    " 'bench.payment', g, NULL, repeat('0', 64) FROM generate_series(1, %s) g",
                    [payments],
                )
                cursor.execute("SELECT min(id) FROM ledger_transaction")
                first = cursor.fetchone()[0]
                cursor.execute(
                    "INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, mac)"
                    " SELECT t.id,"
                    "  CASE k WHEN 0 THEN (%s::bigint[])[1 + (t.sequence %% %s)]"
                    "  WHEN 1 THEN %s WHEN 2 THEN (%s::bigint[])[1 + (t.sequence %% %s)]"
                    "  ELSE %s END,"
                    " CASE WHEN k IN (0, 3) THEN 1000 ELSE -1000 END, repeat('0', 64)"
                    " FROM ledger_transaction t CROSS JOIN generate_series(0, 3) k"
                    " WHERE t.id >= %s ORDER BY t.id, k",
                    [
                        payable_ids,
                        len(payable_ids),
                        budget.pk,
                        float_ids,
                        len(float_ids),
                        paid_out.pk,
                        first,
                    ],
                )
                cursor.execute("ANALYZE ledger_entry")
                cursor.execute("ANALYZE ledger_transaction")
            else:
                rows = []
                for seq in range(1, payments + 1):
                    rows.append((seq,))
                cursor.executemany(
                    "INSERT INTO ledger_transaction"
                    " (sequence, created_at, actor_id, currency, memo,"
                    " source_kind, source_id, reverses_id, mac) VALUES"
                    " (%s, CURRENT_TIMESTAMP, NULL, 'MMK', 'bench', 'bench.payment', 0, NULL, '')",
                    rows,
                )
                cursor.execute("SELECT id, sequence FROM ledger_transaction")
                txns = cursor.fetchall()
                entries = []
                for txn_id, seq in txns:
                    entries += [
                        (txn_id, payable_ids[seq % len(payable_ids)], 1000),
                        (txn_id, budget.pk, -1000),
                        (txn_id, float_ids[seq % len(float_ids)], -1000),
                        (txn_id, paid_out.pk, 1000),
                    ]
                cursor.executemany(
                    "INSERT INTO ledger_entry (transaction_id, account_id, amount_minor, mac)"
                    " VALUES (%s, %s, %s, '')",
                    entries,
                )
            cursor.execute(
                "UPDATE ledger_accountbalance SET balance_minor = s.total, entry_count = s.n"
                " FROM (SELECT account_id, SUM(amount_minor) AS total, COUNT(*) AS n"
                "       FROM ledger_entry GROUP BY account_id) s"
                " WHERE ledger_accountbalance.account_id = s.account_id"
            )
        # The bulk rows carry no MACs: start the chain's head after them, so
        # that the services append (ledger_verify would reject these rows).
        head = chain.ChainHead(sequence=payments, mac=chain.GENESIS_MAC, key=services.anchor_key())
        LedgerChainState.objects.update_or_create(
            pk=1,
            defaults={"sealed": vault.seal(head.to_bytes(), context=services.STATE_CONTEXT)},
        )
        # Fund the floats for the real postings below (through the service).
        services.budget_fund(actor=finance, amount_minor=10**12, currency="MMK")
        for unit in units[:3]:
            services.unit_float_fund(actor=finance, unit=unit, amount_minor=10**9, currency="MMK")
        filled = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM ledger_entry")
            total_entries = cursor.fetchone()[0]
        print(f"database: {vendor}; entries: {total_entries:,}; filled in {filled:.0f} s")
        print(
            f"per account: budget {payments:,} entries, unit float ~{payments // len(units):,}, "
            f"case payable ~{payments // len(cases):,}"
        )
        rng = random.Random(7)

        def round_trip() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")

        baseline = _times(round_trip, args.samples)
        fast_float = _times(
            lambda: selectors.unit_balances(finance, rng.choice(units)), args.samples
        )
        naive_float = _times(
            lambda: selectors.account_balance_naive(rng.choice(floats)), max(20, args.samples // 10)
        )
        fast_case = _times(lambda: selectors.case_payable(finance, rng.choice(cases)), args.samples)
        naive_case = _times(
            lambda: selectors.account_balance_naive(rng.choice(payables)), args.samples
        )
        fast_budget = _times(lambda: selectors.account_balance(budget), args.samples)
        naive_budget = _times(lambda: selectors.account_balance_naive(budget), 5)
        print("| read | running balance p50 / p95 | naive SUM p50 / p95 |")
        print("|---|---|---|")
        print(f"| `SELECT 1` (the machine's floor) | {baseline[0]:.2f} / {baseline[1]:.2f} ms | |")
        for label, fast, naive in (
            ("a unit's float", fast_float, naive_float),
            ("a case's payable", fast_case, naive_case),
            ("the budget", fast_budget, naive_budget),
        ):
            print(
                f"| {label} | {fast[0]:.2f} / {fast[1]:.2f} ms "
                f"| {naive[0]:.1f} / {naive[1]:.1f} ms |"
            )
        # Real postings at this scale: payable then payment, through the services.
        officer = UserFactory(unit=units[0], roles=[Role.REWARD_OFFICER])
        witness = UserFactory(unit=units[0], roles=[Role.UNIT_HANDLER])
        own_cases = [c for c in cases if c.unit_id == units[0].pk]
        counter = iter(range(10**6, 10**7))

        def pay() -> None:
            source_id = next(counter)
            case = own_cases[source_id % len(own_cases)]
            services.payable_record(
                actor=officer,
                case=case,
                unit=units[0],
                amount_minor=500,
                currency="MMK",
                source_kind="bench.claim",
                source_id=source_id,
            )
            services.payment_make(
                actor=officer,
                case=case,
                unit=units[0],
                amount_minor=500,
                currency="MMK",
                method="cash_with_witness",
                witness=witness,
                source_kind="bench.claim",
                source_id=source_id,
            )

        posting = _times(pay, 50)
        print(
            f"payable + payment (two postings, audited), p50 / p95: "
            f"{posting[0]:.1f} / {posting[1]:.1f} ms"
        )
    finally:
        destroy_test_database(db_name)


if __name__ == "__main__":
    main()
