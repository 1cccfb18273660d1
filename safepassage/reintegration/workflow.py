"""The reintegration workflows as tables: plans, milestones, referrals,
follow-ups. Only the services assign a `state`, and only along a row of
these tables; tests walk every pair against them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PathwayKind(models.TextChoices):
    ALLIED_FORCE = "allied_force", _("Join an allied force")
    REINTEGRATION = "reintegration", _("Follow a reintegration plan")
    ABROAD = "abroad", _("Go abroad")
    RETURN_HOME = "return_home", _("Return home when it is safe")
    OTHER = "other", pgettext_lazy("pathway", "Other")


class PlanState(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    LEFT = "left", _("Left the programme")
    LOST = "lost", _("Lost to follow-up")


#: The states a plan may be closed in, from ACTIVE; every one is final.
PLAN_CLOSING = frozenset({PlanState.COMPLETED, PlanState.LEFT, PlanState.LOST})


class StepKind(models.TextChoices):
    ACTIVITY = "activity", _("Activity")
    MILESTONE = "milestone", _("Milestone")


class StepState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", pgettext_lazy("plan step", "Cancelled")


#: (from, to) moves of a plan step (an activity or a milestone). An
#: activity that is DONE was attended; MISSED was not. A wrong entry is
#: corrected back to PLANNED.
STEP_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (StepState.PLANNED, StepState.DONE),
        (StepState.PLANNED, StepState.MISSED),
        (StepState.PLANNED, StepState.CANCELLED),
        (StepState.DONE, StepState.PLANNED),
        (StepState.MISSED, StepState.PLANNED),
        (StepState.MISSED, StepState.DONE),
    }
)


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", pgettext_lazy("referral", "Declined")
    COMPLETED = "completed", _("Completed")


#: sent -> accepted | declined -> completed (from accepted). The outcome
#: is entered by the caseworker: providers are not users of the product.
REFERRAL_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (ReferralStatus.SENT, ReferralStatus.ACCEPTED),
        (ReferralStatus.SENT, ReferralStatus.DECLINED),
        (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED),
    }
)


class FollowUpState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DUE = "due", _("Due")
    DONE = "done", pgettext_lazy("follow-up", "Done")
    TO_CONFIRM = "to_confirm", _("Answered by the person, to confirm")
    CANCELLED = "cancelled", pgettext_lazy("follow-up", "Cancelled")


FOLLOWUP_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (FollowUpState.SCHEDULED, FollowUpState.DUE),
        (FollowUpState.SCHEDULED, FollowUpState.DONE),
        (FollowUpState.DUE, FollowUpState.DONE),
        (FollowUpState.SCHEDULED, FollowUpState.TO_CONFIRM),
        (FollowUpState.DUE, FollowUpState.TO_CONFIRM),
        (FollowUpState.TO_CONFIRM, FollowUpState.DONE),
        (FollowUpState.SCHEDULED, FollowUpState.CANCELLED),
        (FollowUpState.DUE, FollowUpState.CANCELLED),
    }
)

#: The follow-ups still to be held (they count as open work).
FOLLOWUP_OPEN = frozenset({FollowUpState.SCHEDULED, FollowUpState.DUE, FollowUpState.TO_CONFIRM})


def step_move_allowed(source: str, target: str) -> bool:
    return (source, target) in STEP_MOVES


def referral_move_allowed(source: str, target: str) -> bool:
    return (source, target) in REFERRAL_MOVES


def followup_move_allowed(source: str, target: str) -> bool:
    return (source, target) in FOLLOWUP_MOVES
