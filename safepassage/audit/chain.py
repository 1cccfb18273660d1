"""The hash chain's arithmetic: canonical form, MACs, key evolution, verification.

Pure functions, no database and no key ring: the service and the
`audit_verify` command feed them rows and keys, and tests feed them
tampered in-memory copies.

Chain (v1):
- K_0 = vault.derive_key("audit-anchor", "chain-v1")  (the anchor);
- event i (i = 1, 2, ...) carries
  MAC_i = HMAC-SHA256(K_{i-1}, canonical(event_i, MAC_{i-1})), MAC_0 = 0*32;
- K_i = HMAC-SHA256(K_{i-1}, "safepassage/audit/evolve-v1"); the writer
  keeps only the newest key (sealed in the state row), so a copy of the
  state taken today cannot produce MACs for yesterday's events.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

CHAIN_VERSION = 1
GENESIS_MAC = "0" * 64
_EVOLVE_LABEL = b"safepassage/audit/evolve-v1"
_HEAD_VERSION = 1


class ChainRecord(Protocol):
    """What verification reads of an event (an `AuditEvent` satisfies it)."""

    @property
    def sequence(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def actor_kind(self) -> str: ...
    @property
    def actor_id(self) -> int | None: ...
    @property
    def action(self) -> str: ...
    @property
    def target_type(self) -> str: ...
    @property
    def target_id(self) -> str: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def route(self) -> str: ...
    @property
    def details(self) -> Any: ...
    @property
    def mac(self) -> str: ...


def evolve(key: bytes) -> bytes:
    """K_{i+1} from K_i. One-way: K_i cannot be recovered from K_{i+1}."""
    return hmac.new(key, _EVOLVE_LABEL, hashlib.sha256).digest()


def timestamp_text(moment: datetime) -> str:
    """The timestamp as MACed: UTC, ISO 8601, microseconds (both databases keep them)."""
    if moment.tzinfo is None:
        raise ValueError("Audit timestamps must be timezone-aware.")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_bytes(event: ChainRecord, prev_mac: str) -> bytes:
    """Deterministic serialisation of every column but `mac`, plus the previous MAC."""
    payload = {
        "v": CHAIN_VERSION,
        "seq": event.sequence,
        "ts": timestamp_text(event.created_at),
        "actor": [event.actor_kind, event.actor_id],
        "action": event.action,
        "target": [event.target_type, event.target_id],
        "unit": event.unit_id,
        "route": event.route,
        "details": event.details,
        "prev": prev_mac,
    }
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def compute_mac(key: bytes, event: ChainRecord, prev_mac: str) -> str:
    return hmac.new(key, canonical_bytes(event, prev_mac), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """The writer's position: last sequence, its MAC, and K_seq (next event's key)."""

    sequence: int
    mac: str
    key: bytes

    @classmethod
    def genesis(cls, anchor: bytes) -> ChainHead:
        return cls(sequence=0, mac=GENESIS_MAC, key=anchor)

    def to_bytes(self) -> bytes:
        return json.dumps(
            {"v": _HEAD_VERSION, "seq": self.sequence, "mac": self.mac, "key": self.key.hex()},
            sort_keys=True,
            separators=(",", ":"),
        ).encode("ascii")

    @classmethod
    def from_bytes(cls, raw: bytes) -> ChainHead:
        """Raises ValueError on anything but a well-formed v1 head."""
        try:
            data = json.loads(raw)
            if data["v"] != _HEAD_VERSION:
                raise ValueError("unknown chain head version")
            head = cls(
                sequence=int(data["seq"]), mac=str(data["mac"]), key=bytes.fromhex(data["key"])
            )
        except (KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError("malformed chain head") from exc
        if head.sequence < 0 or len(head.key) != 32 or len(head.mac) != 64:
            raise ValueError("malformed chain head")
        return head

    def advanced(self, mac: str) -> ChainHead:
        return ChainHead(sequence=self.sequence + 1, mac=mac, key=evolve(self.key))


class Problem(enum.StrEnum):
    MAC_MISMATCH = "mac_mismatch"
    REORDERED = "reordered"
    GAP = "gap"
    TRUNCATED = "truncated"
    STATE_MISMATCH = "state_mismatch"
    ANCHOR_MISMATCH = "anchor_mismatch"


@dataclass(frozen=True)
class VerificationResult:
    """`ok`, or the first bad sequence number and what is wrong with it."""

    checked: int
    last_sequence: int
    last_mac: str
    problem: Problem | None = None
    bad_sequence: int | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ExternalHead:
    """A head kept outside the database: event `sequence` must exist and
    `matches` its MAC. `label` names it in messages ("the checkpoint of
    2026-12-07")."""

    sequence: int
    matches: Callable[[str], bool]
    label: str


def external_head_exact(sequence: int, mac: str, label: str) -> ExternalHead:
    return ExternalHead(sequence, lambda found: hmac.compare_digest(found, mac), label)


class StateUnreadable:
    """Marker: a state row exists but its seal does not open (tampered or foreign)."""


STATE_UNREADABLE = StateUnreadable()
ExpectedHead = ChainHead | StateUnreadable | None


def chain_verify(
    events: Iterable[ChainRecord],
    anchor: bytes,
    expected_head: ExpectedHead | Callable[[], ExpectedHead],
    *,
    external_head: tuple[int, str] | None = None,
    checkpoints: Sequence[ExternalHead] = (),
) -> VerificationResult:
    """Recompute the chain from K_0 = `anchor` over `events` (ascending order).

    `expected_head` is the unsealed state row (None: the chain was never
    started, or the row is empty); it is how truncation of the tail is
    seen. `external_head` is a (sequence, MAC) pair exported earlier
    with `audit_head` and kept outside the database: it catches a wipe
    or a rollback of the state row together with the events.
    `checkpoints` are more such heads (signed checkpoint files, paper
    codes); each names itself in the message when it catches something.
    Streams: holds one event at a time.
    """
    key = anchor
    prev_mac = GENESIS_MAC
    prev_time: datetime | None = None
    expected_seq = 1
    checked = 0

    def fail(problem: Problem, seq: int, message: str) -> VerificationResult:
        return VerificationResult(checked, expected_seq - 1, prev_mac, problem, seq, message)

    outside = list(checkpoints)
    if external_head is not None:
        outside.append(external_head_exact(*external_head, label="the head exported out of band"))
    outside = [check for check in outside if check.sequence > 0]
    by_sequence: dict[int, list[ExternalHead]] = {}
    for check in outside:
        by_sequence.setdefault(check.sequence, []).append(check)
    for event in events:
        seq = event.sequence
        if seq < expected_seq:
            return fail(Problem.REORDERED, seq, f"event #{seq} appears after #{expected_seq - 1}")
        if seq > expected_seq:
            return fail(
                Problem.GAP, expected_seq, f"event #{expected_seq} is missing (next is #{seq})"
            )
        mac = compute_mac(key, event, prev_mac)
        if not hmac.compare_digest(mac, str(event.mac)):
            if prev_time is not None and event.created_at < prev_time:
                return fail(
                    Problem.REORDERED,
                    seq,
                    f"event #{seq}: MAC mismatch, and it is older than #{seq - 1} "
                    "(events reordered?)",
                )
            return fail(Problem.MAC_MISMATCH, seq, f"event #{seq}: MAC mismatch")
        for check in by_sequence.get(seq, ()):
            if not check.matches(mac):
                return fail(
                    Problem.ANCHOR_MISMATCH,
                    seq,
                    f"event #{seq}: MAC differs from {check.label}: the chain was "
                    f"rolled back to before #{seq} and grew again, or was rewritten",
                )
        prev_mac = mac
        prev_time = event.created_at
        key = evolve(key)
        expected_seq += 1
        checked += 1

    last = expected_seq - 1
    if callable(expected_head):
        expected_head = expected_head()
    if isinstance(expected_head, StateUnreadable):
        return fail(
            Problem.STATE_MISMATCH, last + 1, "the chain state cannot be unsealed (tampered?)"
        )
    if expected_head is None:
        if checked:
            return fail(
                Problem.STATE_MISMATCH, 1, f"{checked} events exist but the chain state is empty"
            )
    elif expected_head.sequence > last:
        return fail(
            Problem.TRUNCATED,
            last + 1,
            f"events #{last + 1}..#{expected_head.sequence} are missing "
            f"(the state records #{expected_head.sequence} as the last)",
        )
    elif expected_head.sequence < last:
        return fail(
            Problem.STATE_MISMATCH,
            expected_head.sequence + 1,
            f"event #{expected_head.sequence + 1} lies beyond the recorded head "
            f"#{expected_head.sequence}",
        )
    elif not hmac.compare_digest(expected_head.mac, prev_mac) or not hmac.compare_digest(
        expected_head.key, key
    ):
        return fail(Problem.STATE_MISMATCH, last, f"the chain state disagrees with event #{last}")
    beyond = [check for check in outside if check.sequence > last]
    if beyond:
        check = max(beyond, key=lambda c: c.sequence)
        return fail(
            Problem.TRUNCATED,
            last + 1,
            f"rolled back: the chain ends at #{last}, before the head #{check.sequence} "
            f"recorded by {check.label}; events #{last + 1}..#{check.sequence} are gone",
        )
    return VerificationResult(checked, last, prev_mac)
