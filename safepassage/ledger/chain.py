"""The ledger's MAC chain: the audit chain's arithmetic over transactions.

Transaction i (sequence 1, 2, ...) carries
MAC_i = HMAC-SHA256(K_{i-1}, canonical(transaction_i, its entries, MAC_{i-1}))
with K_0 = vault.derive_key("audit-anchor", "ledger-chain-v1") and
K_i = evolve(K_{i-1}) (`safepassage.audit.chain`): the writer keeps only
the newest key, sealed in `LedgerChainState`. Each entry carries
HMAC-SHA256(K_{i-1}, canonical(entry)), so that verification names the
entry that was edited; the transaction's MAC covers the list of its
entries, so a deleted or added entry is caught too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safepassage.audit.chain import GENESIS_MAC, ChainHead, evolve, timestamp_text

__all__ = [
    "GENESIS_MAC",
    "ChainHead",
    "EntryFacts",
    "TransactionFacts",
    "entry_mac",
    "evolve",
    "transaction_mac",
]

CHAIN_VERSION = 1


@dataclass(frozen=True)
class EntryFacts:
    account_id: int
    amount_minor: int


@dataclass(frozen=True)
class TransactionFacts:
    sequence: int
    created_at: datetime
    actor_id: int | None
    currency: str
    memo: str
    source_kind: str
    source_id: int
    reverses_id: int | None


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def entry_mac(key: bytes, sequence: int, index: int, entry: EntryFacts) -> str:
    payload = {
        "v": CHAIN_VERSION,
        "seq": sequence,
        "i": index,
        "account": entry.account_id,
        "amount": entry.amount_minor,
    }
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()


def transaction_mac(
    key: bytes, txn: TransactionFacts, entries: Sequence[EntryFacts], prev_mac: str
) -> str:
    payload = {
        "v": CHAIN_VERSION,
        "seq": txn.sequence,
        "ts": timestamp_text(txn.created_at),
        "actor": txn.actor_id,
        "currency": txn.currency,
        "memo": txn.memo,
        "source": [txn.source_kind, txn.source_id],
        "reverses": txn.reverses_id,
        "entries": [[e.account_id, e.amount_minor] for e in entries],
        "prev": prev_mac,
    }
    return hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()
