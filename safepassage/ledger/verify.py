"""`ledger_verify`'s checks: the MAC chain, balanced transactions, balances.

Reads the ledger in sequence order, one transaction (with its entries)
at a time, recomputing every MAC from the anchor; then compares each
account's running balance with the sum of its entries. Every problem
is reported with the row it concerns; it stops at nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Sum

from . import chain
from .models import AccountBalance, Entry, LedgerChainState, Transaction
from .services import STATE_CONTEXT, anchor_key, read_head

BATCH = 2000


@dataclass
class LedgerReport:
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _transactions() -> Iterator[Transaction]:
    last = 0
    while True:
        batch = list(
            Transaction.objects.filter(sequence__gt=last)
            .order_by("sequence")
            .prefetch_related("entries")[:BATCH]
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].sequence


def ledger_verify() -> LedgerReport:
    report = LedgerReport()
    anchor = anchor_key()
    key = anchor
    prev_mac = chain.GENESIS_MAC
    expected = 1
    chain_broken = False
    ids: dict[int, int] = {}
    for txn in _transactions():
        report.transactions += 1
        ids[txn.pk] = txn.sequence
        entries = sorted(txn.entries.all(), key=lambda e: e.pk)
        report.entries += len(entries)
        if txn.sequence != expected:
            report.problems.append(
                f"transaction #{expected} is missing (next is #{txn.sequence})"
                if txn.sequence > expected
                else f"transaction #{txn.sequence} is out of order"
            )
            chain_broken = True
            expected = txn.sequence
        total = sum(entry.amount_minor for entry in entries)
        if total != 0:
            report.problems.append(
                f"transaction #{txn.sequence} does not balance (its entries sum to {total})"
            )
        if len(entries) < 2:
            report.problems.append(f"transaction #{txn.sequence} has {len(entries)} entries")
        if not chain_broken:
            facts = chain.TransactionFacts(
                sequence=txn.sequence,
                created_at=txn.created_at,
                actor_id=txn.actor_id,
                currency=txn.currency,
                memo=txn.memo,
                source_kind=txn.source_kind,
                source_id=txn.source_id,
                reverses_id=txn.reverses_id,
            )
            entry_facts = [chain.EntryFacts(e.account_id, e.amount_minor) for e in entries]
            for index, entry in enumerate(entries):
                mac = chain.entry_mac(key, txn.sequence, index, entry_facts[index])
                if not hmac.compare_digest(mac, entry.mac):
                    report.problems.append(
                        f"entry {entry.pk} of transaction #{txn.sequence} was altered "
                        "(or an entry before it was removed)"
                    )
            mac = chain.transaction_mac(key, facts, entry_facts, prev_mac)
            if not hmac.compare_digest(mac, txn.mac):
                report.problems.append(
                    f"transaction #{txn.sequence}: MAC mismatch (the transaction was edited, "
                    "or one of its entries was edited, removed or added)"
                )
            prev_mac = txn.mac
            key = chain.evolve(key)
        expected += 1
    last = expected - 1
    state = LedgerChainState.objects.filter(pk=1).first()
    try:
        head = read_head(state, anchor) if state is not None else None
    except Exception:
        report.problems.append("the ledger chain state does not open (tampered?)")
        head = None
    else:
        if head is None and report.transactions:
            report.problems.append("transactions exist but the chain state is empty")
        elif head is not None and head.sequence > last:
            report.problems.append(
                f"transactions #{last + 1}..#{head.sequence} are missing "
                f"(the state records #{head.sequence} as the last)"
            )
        elif head is not None and head.sequence < last:
            report.problems.append(
                f"transaction #{head.sequence + 1} lies beyond the recorded head"
            )
        elif head is not None and not chain_broken and not hmac.compare_digest(head.mac, prev_mac):
            report.problems.append(f"the chain state disagrees with transaction #{last}")
    orphans = Entry.objects.exclude(transaction_id__in=list(ids)).count() if ids else 0
    if orphans:
        report.problems.append(f"{orphans} entries belong to no transaction")
    sums = dict(
        Entry.objects.values("account_id")
        .annotate(total=Sum("amount_minor"))
        .values_list("account_id", "total")
    )
    for row in AccountBalance.objects.order_by("account_id"):
        report.accounts += 1
        computed = int(sums.pop(row.account_id, 0) or 0)
        if computed != row.balance_minor:
            report.problems.append(
                f"account {row.account_id}: running balance {row.balance_minor}, "
                f"entries sum to {computed}"
            )
    for account_id in sorted(sums):
        report.problems.append(f"account {account_id} has entries but no balance row")
    return report


__all__ = ["STATE_CONTEXT", "LedgerReport", "ledger_verify"]
