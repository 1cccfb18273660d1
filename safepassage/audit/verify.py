"""Verifying the stored chain: streams the events through `chain.chain_verify`.

Needs the key ring (K_0 is derived from it). Takes no lock: appends may
go on while it runs. The events are read by one streaming query per
round; the state row is read *after* each round, so a head that moved on
meanwhile is followed (its new events are read in a further round)
rather than reported as truncation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from safepassage.vault import api as vault

from . import chain
from .models import AuditChainState, AuditEvent
from .services import STATE_CONTEXT, anchor_key

_MAX_ROUNDS = 20


def read_state() -> chain.ChainHead | chain.StateUnreadable | None:
    """The head as stored (no lock). Raises VaultLocked."""
    sealed = AuditChainState.objects.filter(pk=1).values_list("sealed", flat=True).first()
    if sealed is None:
        return None
    try:
        return chain.ChainHead.from_bytes(vault.unseal(bytes(sealed), context=STATE_CONTEXT))
    except (vault.DecryptionError, ValueError):
        return chain.STATE_UNREADABLE


@dataclass
class _HeadHolder:
    head: chain.ChainHead | chain.StateUnreadable | None = None
    rounds: int = field(default=0)


def _stream(holder: _HeadHolder, chunk_size: int) -> Iterator[AuditEvent]:
    last = 0
    while holder.rounds < _MAX_ROUNDS:
        holder.rounds += 1
        query = AuditEvent.objects.filter(sequence__gt=last).order_by("sequence")
        for event in query.iterator(chunk_size=chunk_size):
            last = event.sequence
            yield event
        holder.head = read_state()
        if not isinstance(holder.head, chain.ChainHead) or holder.head.sequence <= last:
            return


def verify_stored_chain(
    *,
    external_head: tuple[int, str] | None = None,
    checkpoints: Sequence[chain.ExternalHead] = (),
    chunk_size: int = 2000,
) -> chain.VerificationResult:
    """Verify every stored event and the state row. Raises VaultLocked."""
    anchor = anchor_key()
    holder = _HeadHolder()
    events = _stream(holder, chunk_size)
    # The state row is read only once the events are consumed (see module doc).
    return chain.chain_verify(
        events,
        anchor,
        lambda: holder.head,
        external_head=external_head,
        checkpoints=checkpoints,
    )


def parse_head(text: str) -> tuple[int, str]:
    """`SEQ:MAC` as printed by `audit_head`. Raises ValueError."""
    seq_text, sep, mac = text.strip().partition(":")
    if not sep or not seq_text.isdigit() or len(mac) != 64:
        raise ValueError("Expected SEQ:MAC, as printed by `manage.py audit_head`.")
    int(mac, 16)
    return int(seq_text), mac.lower()
