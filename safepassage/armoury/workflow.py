"""The armoury's two workflows as tables: custody moves and reward claims.

Only `services.custody_move` assigns `Item.state`, only along a row of
CUSTODY_MOVES; only the claim services assign `Claim.status`, only along
a row of CLAIM_MOVES held by one of its roles. Tests walk every pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.roles import Role


class CustodyState(models.TextChoices):
    RECEIVED = "received", _("Received at the unit")
    HELD = "held", _("Held in the unit's armoury")
    TRANSFERRED = "transferred", _("Transferred to a force")
    ISSUED = "issued", _("Issued")
    HANDED_TO_HQ = "handed_to_hq", _("Handed to headquarters")
    DESTROYED = "destroyed", _("Destroyed")


@dataclass(frozen=True)
class CustodyStep:
    source: CustodyState
    target: CustodyState
    label: str | Promise
    #: the move names another unit (a transfer to a unit: held there)
    to_unit: bool = False
    #: the move needs a note (to whom, how destroyed, witnesses)
    needs_note: bool = True


_S = CustodyState

#: Moves of an item. A transfer to another unit ends "held" with the other
#: unit as holder; a transfer outside (an allied force) ends "transferred".
#: DESTROYED and TRANSFERRED are final: the item stays in the register.
CUSTODY_MOVES: tuple[CustodyStep, ...] = (
    CustodyStep(_S.RECEIVED, _S.HELD, _("Put in the armoury"), needs_note=False),
    CustodyStep(_S.HELD, _S.HELD, _("Transfer to another unit"), to_unit=True),
    CustodyStep(_S.HELD, _S.TRANSFERRED, _("Transfer to a force")),
    CustodyStep(_S.HELD, _S.ISSUED, _("Issue")),
    CustodyStep(_S.HELD, _S.HANDED_TO_HQ, _("Hand to headquarters")),
    CustodyStep(_S.HELD, _S.DESTROYED, _("Destroy")),
    CustodyStep(_S.RECEIVED, _S.HANDED_TO_HQ, _("Hand to headquarters")),
    CustodyStep(_S.ISSUED, _S.HELD, _("Returned to the armoury"), needs_note=False),
    CustodyStep(_S.HANDED_TO_HQ, _S.HELD, _("Put in headquarters' armoury"), needs_note=False),
    CustodyStep(_S.HANDED_TO_HQ, _S.DESTROYED, _("Destroy")),
)

CUSTODY_FINAL = frozenset({_S.DESTROYED, _S.TRANSFERRED})
#: States in which the holding unit has the item in hand (counted).
IN_HAND = frozenset({_S.RECEIVED, _S.HELD, _S.HANDED_TO_HQ})


def custody_move_for(source: str, target: str, *, to_unit: bool) -> CustodyStep | None:
    for move in CUSTODY_MOVES:
        if move.source == source and move.target == target and move.to_unit == to_unit:
            return move
    return None


def custody_moves_from(source: str) -> list[CustodyStep]:
    return [m for m in CUSTODY_MOVES if m.source == source]


# ------------------------------------------------------------------ claims


class ClaimStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


@dataclass(frozen=True)
class ClaimMove:
    source: ClaimStatus
    target: ClaimStatus
    roles: frozenset[Role]
    label: str | Promise
    needs_reason: bool = False


_C = ClaimStatus

CLAIM_MOVES: tuple[ClaimMove, ...] = (
    ClaimMove(_C.PROPOSED, _C.APPROVED, frozenset({Role.REWARD_APPROVER}), _("Approve")),
    ClaimMove(
        _C.PROPOSED, _C.REFUSED, frozenset({Role.REWARD_APPROVER}), _("Refuse"), needs_reason=True
    ),
    ClaimMove(
        _C.PROPOSED,
        _C.CANCELLED,
        frozenset({Role.REWARD_OFFICER}),
        _("Cancel"),
        needs_reason=True,
    ),
    ClaimMove(_C.APPROVED, _C.PAID, frozenset({Role.REWARD_OFFICER}), _("Pay")),
    ClaimMove(
        _C.APPROVED,
        _C.CANCELLED,
        frozenset({Role.REWARD_APPROVER}),
        _("Cancel"),
        needs_reason=True,
    ),
)

#: Claims that hold their items (an item is in at most one such claim).
CLAIM_LIVE = frozenset({_C.PROPOSED, _C.APPROVED, _C.PAID})

_CLAIM_BY_PAIR = {(m.source, m.target): m for m in CLAIM_MOVES}


def claim_move_for(source: str, target: str) -> ClaimMove | None:
    try:
        return _CLAIM_BY_PAIR.get((ClaimStatus(source), ClaimStatus(target)))
    except ValueError:
        return None
