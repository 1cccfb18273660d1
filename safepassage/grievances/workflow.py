"""The moves of a complaint, as a table: only `services.grievance_move`
assigns `state`. A resolved or closed complaint may be reopened (the
person wrote again, or the answer was wrong); nothing else goes back."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class GrievanceState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (GrievanceState.OPEN, GrievanceState.IN_PROGRESS),
        (GrievanceState.OPEN, GrievanceState.CLOSED),
        (GrievanceState.IN_PROGRESS, GrievanceState.RESOLVED),
        (GrievanceState.IN_PROGRESS, GrievanceState.CLOSED),
        (GrievanceState.RESOLVED, GrievanceState.IN_PROGRESS),
        (GrievanceState.CLOSED, GrievanceState.IN_PROGRESS),
    }
)
#: States in which a complaint is still being worked on.
OPEN_STATES: tuple[str, ...] = (GrievanceState.OPEN, GrievanceState.IN_PROGRESS)


def grievance_move_allowed(current: str, target: str) -> bool:
    return (current, target) in MOVES


class CheckInStep(models.TextChoices):
    SAFE = "safe", _("Safe or not")
    HOUSING = "housing", _("Housing")
    INCOME = "income", _("Income or work")
    DONE = "done", _("Answered")
    EXPIRED = "expired", _("Expired")


#: The questions in the order asked; each answer moves to the next.
CHECKIN_ORDER: tuple[str, ...] = (CheckInStep.SAFE, CheckInStep.HOUSING, CheckInStep.INCOME)
