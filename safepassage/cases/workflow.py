"""The case workflow as a table: which move, by which role.

Only `services.case_transition` assigns `Case.status`, and only along a
row of TRANSITIONS held by one of that row's roles. Tests walk every pair
of statuses and every role against this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safepassage.accounts.roles import Role


class Status(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    PLANNING = "planning", _("Planning")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    SCREENING = "screening", _("Screening")
    CLEARED = "cleared", _("Cleared")
    REJECTED = "rejected", _("Rejected")
    JOINED_FORCE = "joined_force", _("Joined a force")
    REINTEGRATING = "reintegrating", _("Reintegrating")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DID_NOT_ARRIVE = "did_not_arrive", _("Did not arrive")
    CLOSED = "closed", _("Closed")


TERMINAL = frozenset({Status.CLOSED})
# Statuses a case can be transferred in: before the person is received.
TRANSFERABLE = frozenset({Status.CONTACTED, Status.PLANNING, Status.LOST_CONTACT})
# Statuses a case is handed over in after its pathway was chosen: a person
# who joined an allied force goes to that force's unit (reintegration's
# pathway service asks for it), by the roles that record the pathway.
HANDOVER = frozenset({Status.JOINED_FORCE})


@dataclass(frozen=True)
class Move:
    source: Status
    target: Status
    roles: frozenset[Role]
    label: str | Promise
    needs_reason: bool = False


def _move(
    source: Status, target: Status, roles: set[Role], label: str | Promise, **kw: bool
) -> Move:
    return Move(source, target, frozenset(roles), label, **kw)


_HANDLING = {Role.UNIT_HANDLER, Role.INTAKE_OPERATOR}
_SCREENING = {Role.SCREENING_OFFICER}
_PATHWAY = {Role.UNIT_HANDLER, Role.CASEWORKER}
HANDOVER_ROLES = frozenset(_PATHWAY)

TRANSITIONS: tuple[Move, ...] = (
    _move(Status.CONTACTED, Status.PLANNING, _HANDLING, _("Start planning")),
    _move(
        Status.CONTACTED, Status.LOST_CONTACT, _HANDLING, _("Mark contact lost"), needs_reason=True
    ),
    _move(Status.CONTACTED, Status.WITHDRAWN, _HANDLING, _("Mark withdrawn"), needs_reason=True),
    _move(Status.PLANNING, Status.IN_TRANSIT, {Role.UNIT_HANDLER}, _("Mark in transit")),
    _move(
        Status.PLANNING, Status.LOST_CONTACT, _HANDLING, _("Mark contact lost"), needs_reason=True
    ),
    _move(Status.PLANNING, Status.WITHDRAWN, _HANDLING, _("Mark withdrawn"), needs_reason=True),
    _move(Status.IN_TRANSIT, Status.RECEIVED, {Role.UNIT_HANDLER}, _("Record arrival")),
    _move(
        Status.IN_TRANSIT,
        Status.DID_NOT_ARRIVE,
        {Role.UNIT_HANDLER},
        _("Record that the person did not arrive"),
        needs_reason=True,
    ),
    _move(
        Status.RECEIVED,
        Status.SCREENING,
        {Role.UNIT_HANDLER, Role.SCREENING_OFFICER},
        _("Send to screening"),
    ),
    _move(
        Status.SCREENING,
        Status.CLEARED,
        _SCREENING,
        pgettext_lazy("screening decision", "Clear"),
        needs_reason=True,
    ),
    _move(Status.SCREENING, Status.REJECTED, _SCREENING, _("Reject"), needs_reason=True),
    _move(Status.CLEARED, Status.JOINED_FORCE, _PATHWAY, _("Record joining a force")),
    _move(Status.CLEARED, Status.REINTEGRATING, _PATHWAY, _("Start reintegration")),
    _move(Status.JOINED_FORCE, Status.CLOSED, _PATHWAY, _("Close the case"), needs_reason=True),
    _move(
        Status.REINTEGRATING,
        Status.CLOSED,
        {Role.CASEWORKER},
        _("Close the case"),
        needs_reason=True,
    ),
    _move(
        Status.REJECTED,
        Status.CLOSED,
        _SCREENING | {Role.UNIT_HANDLER},
        _("Close the case"),
        needs_reason=True,
    ),
    _move(Status.LOST_CONTACT, Status.CONTACTED, _HANDLING, _("Contact resumed")),
    _move(Status.LOST_CONTACT, Status.CLOSED, _HANDLING, _("Close the case"), needs_reason=True),
    _move(Status.WITHDRAWN, Status.CLOSED, _HANDLING, _("Close the case"), needs_reason=True),
    _move(Status.DID_NOT_ARRIVE, Status.PLANNING, {Role.UNIT_HANDLER}, _("Plan again")),
    _move(Status.DID_NOT_ARRIVE, Status.CLOSED, _HANDLING, _("Close the case"), needs_reason=True),
)

_BY_PAIR = {(m.source, m.target): m for m in TRANSITIONS}


# Moves that are easily undone: the table leads back to where they started
# in a step or two (tests check it). Every other move (an arrival, a
# screening decision, a closure...) asks the user to confirm first, on a
# page of its own (no script: the CSP allows none inline).
EASILY_UNDONE: frozenset[tuple[Status, Status]] = frozenset(
    {
        (Status.CONTACTED, Status.PLANNING),
        (Status.CONTACTED, Status.LOST_CONTACT),
        (Status.PLANNING, Status.LOST_CONTACT),
        (Status.LOST_CONTACT, Status.CONTACTED),
        (Status.DID_NOT_ARRIVE, Status.PLANNING),
    }
)


def needs_confirmation(move: Move) -> bool:
    return (move.source, move.target) not in EASILY_UNDONE


def move_for(source: str, target: str) -> Move | None:
    return _BY_PAIR.get((Status(source), Status(target)))


def moves_from(source: str) -> list[Move]:
    return [m for m in TRANSITIONS if m.source == source]


# ------------------------------------------------ cross-unit details requests


class DetailsRequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", pgettext_lazy("details request", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("details request", "Withdrawn")
    EXPIRED = "expired", _("Expired")


class RequestSide(models.TextChoices):
    """Who moves a details request: the unit that asked, the unit asked
    (or headquarters' screening officers), or the system (expiry)."""

    REQUESTER = "requester"
    ADDRESSEE = "addressee"
    SYSTEM = "system"


#: The moves of a details request: (from, to) -> the side that may make it.
#: Only `services.details_request_*` assign `DetailsRequest.status`, and
#: only along a row of this table; every state but OPEN is final.
DETAILS_REQUEST_MOVES: dict[tuple[str, str], RequestSide] = {
    (DetailsRequestStatus.OPEN, DetailsRequestStatus.ANSWERED): RequestSide.ADDRESSEE,
    (DetailsRequestStatus.OPEN, DetailsRequestStatus.DECLINED): RequestSide.ADDRESSEE,
    (DetailsRequestStatus.OPEN, DetailsRequestStatus.WITHDRAWN): RequestSide.REQUESTER,
    (DetailsRequestStatus.OPEN, DetailsRequestStatus.EXPIRED): RequestSide.SYSTEM,
}


def details_request_move_allowed(source: str, target: str, side: str) -> bool:
    return DETAILS_REQUEST_MOVES.get((source, target)) == side
