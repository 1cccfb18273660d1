"""What reintegration hands the reports app: plans and follow-ups per case,
coarse (state, dimension, dates; no goal text, no notes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from .models import Dimension, FollowUp, Plan, Step
from .workflow import StepKind, StepState


@dataclass(frozen=True)
class PlanFacts:
    state: str
    starts_on: dt.date
    closed_on: dt.date | None
    # Milestones done, by the dimension's code, with the day done.
    milestones_done: list[tuple[str, dt.date]] = field(default_factory=list)
    # Follow-ups held: (state, day held or due).
    followups: list[tuple[str, dt.date]] = field(default_factory=list)


def plans_for_reporting(case_ids: Iterable[int]) -> dict[int, list[PlanFacts]]:
    ids = sorted(set(case_ids))
    result: dict[int, list[PlanFacts]] = {}
    if not ids:
        return result
    plans = list(
        Plan.objects.filter(case_id__in=ids)
        .order_by("pk")
        .values_list("pk", "case_id", "state", "starts_on", "closed_on")
    )
    plan_ids = [p[0] for p in plans]
    done: dict[int, list[tuple[str, dt.date]]] = {}
    for plan_id, dimension, done_on in (
        Step.objects.filter(plan_id__in=plan_ids, kind=StepKind.MILESTONE, state=StepState.DONE)
        .exclude(done_on=None)
        .values_list("plan_id", "goal__dimension__code", "done_on")
    ):
        if done_on is not None:
            done.setdefault(plan_id, []).append((str(dimension), done_on))
    followups: dict[int, list[tuple[str, dt.date]]] = {}
    for plan_id, state, held_on, due_on in FollowUp.objects.filter(
        plan_id__in=plan_ids
    ).values_list("plan_id", "state", "held_on", "due_on"):
        followups.setdefault(plan_id, []).append((state, held_on or due_on))
    for plan_id, case_id, state, starts_on, closed_on in plans:
        result.setdefault(case_id, []).append(
            PlanFacts(
                state=state,
                starts_on=starts_on,
                closed_on=closed_on,
                milestones_done=done.get(plan_id, []),
                followups=followups.get(plan_id, []),
            )
        )
    return result


def dimension_names() -> dict[str, str]:
    """Each plan dimension's code -> its name in the active language."""
    return {d.code: d.name for d in Dimension.objects.order_by("order", "code")}
