"""Every read of reintegration data starts from what this user may see.

Caseworkers: the plans they own and the plans of cases assigned to them;
unit handlers (the unit's supervisors): every plan of their unit. A plan
asked for outside that scope answers "not found", and a refused look-up
of an existing plan is audited (`reintegration.access_refused`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from safepassage.audit.services import audit_record
from safepassage.cases.selectors import cases_assigned_to, cases_visible_to
from safepassage.cases.workflow import Status

from . import conf
from .models import Dimension, FollowUp, Goal, Plan, PlanTemplate, Provider, Referral, Step
from .policies import user_has_plan_role, user_is_caseworker, user_supervises
from .workflow import FollowUpState, PlanState, StepKind, StepState


class PlanNotFound(Exception):
    """No such plan for this user: absent or not theirs (one answer for both)."""


def plans_visible_to(user: Any) -> QuerySet[Plan]:
    if not user_has_plan_role(user):
        return Plan.objects.none()
    unit_plans = Plan.objects.filter(unit_id=user.unit_id)
    if user_supervises(user):
        return unit_plans
    if user_is_caseworker(user):
        assigned = cases_assigned_to(user).values("pk")
        return unit_plans.filter(Q(owner_id=user.pk) | Q(case_id__in=assigned))
    return Plan.objects.none()


def plan_get_for_user(*, user: Any, pk: int, request: Any = None) -> Plan:
    plan = plans_visible_to(user).select_related("case", "owner", "template").filter(pk=pk).first()
    if plan is None:
        other = Plan.objects.filter(pk=pk).only("pk", "unit_id").first()
        if other is not None:
            audit_record(
                actor=user,
                action="reintegration.access_refused",
                target=other,
                unit=other.unit_id,
                request=request,
            )
        raise PlanNotFound()
    return plan


def plan_for_case(*, user: Any, case: Any) -> Plan | None:
    """The case's active plan, if this user may see it."""
    return plans_visible_to(user).filter(case=case, state=PlanState.ACTIVE).first()


def templates_active() -> QuerySet[PlanTemplate]:
    return PlanTemplate.objects.filter(is_active=True)


def dimensions_active() -> QuerySet[Dimension]:
    return Dimension.objects.filter(is_active=True)


# ------------------------------------------------------------------ homes


@dataclass(frozen=True)
class WaitingCase:
    code: str
    status: str
    next_step: str  # "pathway" or "plan"


def cases_waiting(*, user: Any, limit: int = 50) -> list[WaitingCase]:
    """Cases the user works on that wait for a pathway (cleared) or a plan
    (reintegrating without an active plan): assigned ones for a
    caseworker, the unit's for its supervisors."""
    if user_supervises(user):
        cases = cases_visible_to(user)
    elif user_is_caseworker(user):
        cases = cases_assigned_to(user)
    else:
        return []
    with_plan = Plan.objects.filter(state=PlanState.ACTIVE, unit_id=user.unit_id).values("case_id")
    rows = (
        cases.filter(status__in=[Status.CLEARED, Status.REINTEGRATING])
        .exclude(pk__in=with_plan)
        .order_by("-id")
        .values_list("code", "status")[:limit]
    )
    return [
        WaitingCase(code, status, "pathway" if status == Status.CLEARED else "plan")
        for code, status in rows
    ]


def _week(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7)


def steps_due_this_week(*, user: Any, today: dt.date | None = None) -> QuerySet[Step]:
    """The user's planned steps due from today to a week ahead (index
    reint_step_owner_due). Only a caseworker's own steps."""
    today = today or timezone.localdate()
    if not user_is_caseworker(user):
        return Step.objects.none()
    return Step.objects.filter(
        owner_id=user.pk,
        state=StepState.PLANNED,
        due_on__gte=today,
        due_on__lte=_week(today),
        plan__unit_id=user.unit_id,
    ).order_by("due_on", "pk")


def steps_overdue(*, user: Any, today: dt.date | None = None) -> QuerySet[Step]:
    today = today or timezone.localdate()
    if not user_is_caseworker(user):
        return Step.objects.none()
    return Step.objects.filter(
        owner_id=user.pk,
        state=StepState.PLANNED,
        due_on__lt=today,
        plan__unit_id=user.unit_id,
    ).order_by("due_on", "pk")


def followups_due_for(*, user: Any, today: dt.date | None = None) -> QuerySet[FollowUp]:
    """The caseworker's follow-ups due (or answered, to confirm)."""
    if not user_is_caseworker(user):
        return FollowUp.objects.none()
    return FollowUp.objects.filter(
        owner_id=user.pk,
        unit_id=user.unit_id,
        state__in=[FollowUpState.DUE, FollowUpState.TO_CONFIRM],
    ).order_by("due_on", "pk")


@dataclass(frozen=True)
class CaseworkerHome:
    plans: list[Plan]
    due_this_week: list[Step]
    overdue: list[Step]
    overdue_count: int
    followups_due: list[FollowUp]
    by_dimension: list[tuple[str, int, int]]  # (dimension name, open steps, overdue)


def caseworker_home(*, user: Any, today: dt.date | None = None, limit: int = 25) -> CaseworkerHome:
    """What the caseworker's page shows: no decryption (codes and dates)."""
    today = today or timezone.localdate()
    # Only the columns shown (codes, dates, kinds): nothing is decrypted.
    plans = list(
        plans_visible_to(user)
        .filter(state=PlanState.ACTIVE, owner_id=user.pk)
        .select_related("case")
        .only("pk", "starts_on", "case", "case__code")
        .order_by("-id")[:limit]
    )
    step_columns = ("pk", "plan", "kind", "due_on", "plan__case", "plan__case__code")
    due = list(
        steps_due_this_week(user=user, today=today)
        .select_related("plan__case")
        .only(*step_columns)[:limit]
    )
    overdue_qs = steps_overdue(user=user, today=today)
    overdue = list(overdue_qs.select_related("plan__case").only(*step_columns)[:limit])
    counts = (
        (
            Step.objects.filter(
                owner_id=user.pk, state=StepState.PLANNED, plan__unit_id=user.unit_id
            )
            .values("goal__dimension_id")
            .annotate(open=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
        )
        if user_is_caseworker(user)
        else []
    )
    names = {d.pk: d.name for d in Dimension.objects.all()}
    by_dimension = sorted(
        (names.get(row["goal__dimension_id"], "?"), row["open"], row["late"]) for row in counts
    )
    return CaseworkerHome(
        plans=plans,
        due_this_week=due,
        overdue=overdue,
        overdue_count=overdue_qs.count(),
        followups_due=list(
            followups_due_for(user=user)
            .select_related("plan__case")
            .only("pk", "plan", "months", "due_on", "state", "plan__case", "plan__case__code")[
                :limit
            ]
        ),
        by_dimension=by_dimension,
    )


def plans_stalled(*, user: Any, now: dt.datetime | None = None) -> QuerySet[Plan]:
    """The unit's active plans with no progress for `conf.stalled_days()`
    (index reint_plan_stalled), oldest progress first. Supervisors only."""
    if not user_supervises(user):
        return Plan.objects.none()
    now = now or timezone.now()
    threshold = now - dt.timedelta(days=conf.stalled_days())
    return Plan.objects.filter(
        unit_id=user.unit_id, state=PlanState.ACTIVE, last_progress_at__lt=threshold
    ).order_by("last_progress_at", "pk")


def plans_lost(*, user: Any) -> QuerySet[Plan]:
    if not user_supervises(user):
        return Plan.objects.none()
    return Plan.objects.filter(
        unit_id=user.unit_id, state=PlanState.ACTIVE, lost_marked_at__isnull=False
    ).order_by("lost_marked_at", "pk")


@dataclass(frozen=True)
class SupervisorView:
    counts: dict[str, int]
    stalled: list[Plan]
    lost: list[Plan]
    active: list[Plan]


def supervisor_view(*, user: Any, limit: int = 50) -> SupervisorView:
    unit_plans = plans_visible_to(user) if user_supervises(user) else Plan.objects.none()
    counts = {row["state"]: row["n"] for row in unit_plans.values("state").annotate(n=Count("pk"))}
    return SupervisorView(
        counts=counts,
        stalled=list(plans_stalled(user=user).select_related("case", "owner")[:limit]),
        lost=list(plans_lost(user=user).select_related("case", "owner")[:limit]),
        active=list(
            unit_plans.filter(state=PlanState.ACTIVE).select_related("case", "owner")[:limit]
        ),
    )


# ------------------------------------------------------------------- a plan


@dataclass
class GoalView:
    goal: Goal
    steps: list[Step] = field(default_factory=list)


@dataclass
class DimensionProgress:
    dimension: Dimension
    goals: list[GoalView] = field(default_factory=list)
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class StipendMonth:
    """Whether a month's stipend condition was met: attendance of the
    activities agreed for the month (cancelled ones do not count) against
    the plan's threshold. `met` is None when nothing was agreed for the
    month or the plan has no condition: nothing to pay on."""

    year: int
    month: int
    agreed: int
    attended: int
    threshold: int | None
    met: bool | None
    #: The month is over: until then `met` is only the attendance so far.
    over: bool = True

    @property
    def percent(self) -> int | None:
        return round(100 * self.attended / self.agreed) if self.agreed else None


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following


def stipend_month(*, plan: Plan, year: int, month: int) -> StipendMonth:
    """The computed eligibility of one month (the ledger pays on it)."""
    first, following = _month_bounds(year, month)
    rows = (
        Step.objects.filter(
            plan=plan, kind=StepKind.ACTIVITY, due_on__gte=first, due_on__lt=following
        )
        .exclude(state=StepState.CANCELLED)
        .aggregate(agreed=Count("pk"), attended=Count("pk", filter=Q(state=StepState.DONE)))
    )
    agreed, attended = int(rows["agreed"] or 0), int(rows["attended"] or 0)
    threshold = plan.stipend_min_attendance
    # Integers only: attended/agreed >= threshold/100.
    met = None if threshold is None or agreed == 0 else attended * 100 >= threshold * agreed
    over = following <= timezone.localdate()
    return StipendMonth(year, month, agreed, attended, threshold, met, over)


def stipend_months(
    *, plan: Plan, upto: dt.date | None = None, count: int = 3
) -> list[StipendMonth]:
    """The last `count` months up to `upto`, from the plan's start."""
    upto = upto or timezone.localdate()
    months: list[StipendMonth] = []
    year, month = upto.year, upto.month
    for _i in range(count):
        if dt.date(year, month, 1) < dt.date(plan.starts_on.year, plan.starts_on.month, 1):
            break
        months.append(stipend_month(plan=plan, year=year, month=month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


@dataclass(frozen=True)
class PlanPage:
    plan: Plan
    dimensions: list[DimensionProgress]
    referrals: list[Referral]
    followups: list[FollowUp]
    stipend: list[StipendMonth]


def plan_page(*, plan: Plan) -> PlanPage:
    """Everything a plan page shows, in four queries (goals, steps,
    referrals, follow-ups) plus the stipend months. The caller has loaded
    `plan` through `plan_get_for_user` and audits the read."""
    goals = list(Goal.objects.filter(plan=plan).select_related("dimension"))
    by_goal: dict[int, GoalView] = {}
    # Every row shares the plan's key and reaches its unit through the plan
    # (case loaded): set both, or each decryption would query its way up.
    for goal in goals:
        goal.plan, goal.data_key = plan, plan.data_key
        by_goal[goal.pk] = GoalView(goal=goal)
    for step in Step.objects.filter(plan=plan).order_by("due_on", "order", "pk"):
        step.plan, step.data_key = plan, plan.data_key
        view = by_goal.get(step.goal_id)
        if view is not None:
            view.steps.append(step)
    by_dimension: dict[int, DimensionProgress] = {}
    for goal in goals:
        progress = by_dimension.setdefault(
            goal.dimension_id, DimensionProgress(dimension=goal.dimension)
        )
        view = by_goal[goal.pk]
        progress.goals.append(view)
        counted = [s for s in view.steps if s.state != StepState.CANCELLED]
        progress.total += len(counted)
        progress.done += sum(1 for s in counted if s.state == StepState.DONE)
    dimensions = sorted(by_dimension.values(), key=lambda d: (d.dimension.order, d.dimension.pk))
    referrals = list(Referral.objects.filter(plan=plan).select_related("provider"))
    followups = list(FollowUp.objects.filter(plan=plan).order_by("due_on"))
    return PlanPage(
        plan=plan,
        dimensions=dimensions,
        referrals=referrals,
        followups=followups,
        stipend=stipend_months(plan=plan),
    )


def step_of_plan(*, plan: Plan, pk: int) -> Step | None:
    return Step.objects.filter(plan=plan, pk=pk).first()


def goal_of_plan(*, plan: Plan, pk: int) -> Goal | None:
    return Goal.objects.filter(plan=plan, pk=pk).first()


def referral_of_plan(*, plan: Plan, pk: int) -> Referral | None:
    return Referral.objects.filter(plan=plan, pk=pk).first()


def followup_of_plan(*, plan: Plan, pk: int) -> FollowUp | None:
    return FollowUp.objects.filter(plan=plan, pk=pk).first()


# --------------------------------------------------------------- directory


def providers_visible_to(user: Any) -> QuerySet[Provider]:
    """Active providers of the user's unit and of headquarters."""
    if not user_has_plan_role(user):
        return Provider.objects.none()
    return (
        Provider.objects.filter(is_active=True)
        .filter(Q(unit_id=user.unit_id) | Q(unit__is_headquarters=True))
        .select_related("unit")
    )


def provider_get_for_user(*, user: Any, pk: int) -> Provider | None:
    return providers_visible_to(user).filter(pk=pk).first()


def plan_counts_by_dimension(*, plan: Plan) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in Goal.objects.filter(plan=plan).values("dimension_id"):
        counts[row["dimension_id"]] += 1
    return dict(counts)


def followups_awaiting_checkin(*, limit: int = 1000) -> list[FollowUp]:
    """Due follow-ups of active plans (plan and case loaded), oldest first:
    what a channel check-in may be sent for. For background work only: no
    user, nothing decrypted; the caller skips those it already asked."""
    return list(
        FollowUp.objects.filter(state=FollowUpState.DUE, plan__state=PlanState.ACTIVE)
        .select_related("plan")
        .order_by("due_on", "pk")[:limit]
    )


def followup_open_for_checkin(followup_id: int) -> FollowUp | None:
    """The follow-up `followup_id` if it still waits for an answer."""
    return (
        FollowUp.objects.filter(
            pk=followup_id,
            state__in=[FollowUpState.SCHEDULED, FollowUpState.DUE],
            plan__state=PlanState.ACTIVE,
        )
        .select_related("plan")
        .first()
    )
