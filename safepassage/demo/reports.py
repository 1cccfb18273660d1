"""Reintegration at scale for the demo's reports: plans, progress, closings, follow-ups.

``seed_demo`` writes thousands of cases in bulk, some of them
"Reintegrating", but no plans; ``seed_demo_reintegration`` hand-makes a
few in one unit. Reports need enough plans for their charts to mean
something: open, completed, lost to follow-up, with milestones reached and
follow-up outcomes, in enough units and months that a headquarters
analyst at k=10 sees figures rather than [c]. This gives every demo unit
that holds reintegrating or cleared cases a demo handler and caseworker
(`<unit>.handler`, `<unit>.caseworker`, the demo password; not printed
with the demo logins), then opens plans for up to ``limit`` such cases,
all through the reintegration and cases services (so every rule, key and
audit event is the real one). Dates are drawn from a seeded generator; a plan starts on
or after the day its case was last moved, and nothing is dated in the
future. Demo data only; a re-run adds plans only up to ``limit``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from safepassage.accounts.models import Unit, User
from safepassage.accounts.roles import Role
from safepassage.cases import services as case_services
from safepassage.cases.models import Case
from safepassage.cases.policies import user_holds_case_role
from safepassage.cases.workflow import Status
from safepassage.reintegration import services
from safepassage.reintegration.models import FollowUp, Plan, PlanTemplate, Step
from safepassage.reintegration.workflow import PathwayKind, PlanState, StepState

from .seed import DEMO_UNITS, _ensure_user, demo_password

DEFAULT_PLANS = 400
# Steps moved per plan at most, and follow-ups recorded at most per run:
# enough for milestones and outcomes to show at k=10, few enough to stay
# fast (about 0.2 s a plan).
STEPS_PER_PLAN = 8
FOLLOWUPS_RECORDED = 400
# Of the plans still wanted after the reintegrating cases, the share drawn
# from cleared cases (the rest of the cleared stay waiting for a pathway).
CLEARED_SHARE = 0.6


@dataclass
class ReportsSeed:
    pathways: int = 0
    plans: int = 0
    completed: int = 0
    lost: int = 0
    left: int = 0
    steps: int = 0
    followups: int = 0


def _staffed_units() -> dict[int, tuple[User, User]]:
    """Unit id -> (handler, caseworker) for units that have both."""
    found: dict[int, dict[str, User]] = {}
    staff = User.objects.filter(
        groups__name__in=[Role.UNIT_HANDLER, Role.CASEWORKER], is_active=True
    ).prefetch_related("groups")
    for user in staff.order_by("username"):
        roles = {g.name for g in user.groups.all()}
        for role in (Role.UNIT_HANDLER, Role.CASEWORKER):
            if role in roles:
                found.setdefault(user.unit_id, {}).setdefault(role, user)
    return {
        unit: (people[Role.UNIT_HANDLER], people[Role.CASEWORKER])
        for unit, people in found.items()
        if len(people) == 2
    }


def _assign(handler: User, case: Case, caseworker: User) -> None:
    """Add the caseworker to the case's team. Bulk-seeded cases may list
    staff of headquarters who worked on them before; the unit's team is
    its own staff, so those are left off."""
    users = [u for u in case.assigned.all() if u.unit_id == case.unit_id]
    users = [u for u in users if user_holds_case_role(u)]
    if caseworker not in users:
        case_services.case_assign(actor=handler, case=case, users=[*users, caseworker])


def _staff_units_with_pathways() -> None:
    """A demo handler and caseworker in every demo unit holding cases that
    are reintegrating or cleared, so that plans are spread over the units."""
    codes = {name: code for code, name, _kind in DEMO_UNITS}
    wanted = (
        Case.objects.filter(status__in=[Status.REINTEGRATING, Status.CLEARED])
        .values_list("unit_id", flat=True)
        .distinct()
    )
    units = Unit.objects.filter(pk__in=wanted, name__in=list(codes), is_headquarters=False)
    staffed = _staffed_units()
    password = ""
    for unit in units.order_by("name"):
        if unit.pk in staffed:
            continue
        password = password or demo_password()
        for role, short in ((Role.UNIT_HANDLER, "handler"), (Role.CASEWORKER, "caseworker")):
            _ensure_user(f"{codes[unit.name]}.{short}", unit, role, password)


def demo_reports_seed(*, limit: int = DEFAULT_PLANS, seed: int = 0) -> ReportsSeed:
    """Open, move and close plans until the demo holds ``limit`` plans."""
    result = ReportsSeed()
    templates = list(PlanTemplate.objects.filter(is_active=True).order_by("code"))
    room = limit - Plan.objects.count()
    if room > 0:
        _staff_units_with_pathways()
    staffed = _staffed_units()
    if room <= 0 or not templates or not staffed:
        return result
    rng = random.Random(f"safepassage-demo-reports:{seed}")  # noqa: S311 - invented data
    today = timezone.localdate()
    without_plan = Case.objects.filter(unit_id__in=staffed).exclude(
        pk__in=Plan.objects.values("case_id")
    )
    cases = list(without_plan.filter(status=Status.REINTEGRATING).order_by("pk")[:room])
    # Cleared cases whose person chose reintegration: their pathway is
    # recorded first, as a caseworker would.
    cleared = list(
        without_plan.filter(status=Status.CLEARED).order_by("pk")[
            : max(0, int((room - len(cases)) * CLEARED_SHARE))
        ]
    )
    # The day each case was last moved, before the services below touch it.
    moved_on = {c.pk: timezone.localtime(c.updated_at).date() for c in [*cases, *cleared]}
    for case in cleared:
        handler, worker = staffed[case.unit_id]
        _assign(handler, case, worker)
        services.pathway_record(
            actor=worker,
            case=case,
            kind=PathwayKind.REINTEGRATION,
            consent_given=True,
            consented_on=moved_on[case.pk],
            agreed="Reintegration, as agreed with the person (demo)",
            reasons="Chose a trade and a place to live (demo)",
        )
        result.pathways += 1
    for case in [*cases, *cleared]:
        handler, worker = staffed[case.unit_id]
        _assign(handler, case, worker)
        # Bulk-seeded cases were last moved on their planned dates; a
        # pathway recorded just now keeps the date the case was cleared.
        starts = min(today, moved_on[case.pk] + dt.timedelta(days=rng.randint(0, 14)))
        plan = services.plan_open(
            actor=worker,
            case=case,
            template=rng.choice(templates),
            starts_on=starts,
            consent_given=True,
            consented_on=starts,
            agreed="The plan as agreed with the person (demo)",
        )
        result.plans += 1
        due = Step.objects.filter(plan=plan, due_on__lte=today).order_by("due_on", "pk")
        for step in due[:STEPS_PER_PLAN]:
            target = StepState.MISSED if rng.random() < 0.2 else StepState.DONE
            services.step_move(actor=worker, step=step, target=target, on=step.due_on)
            result.steps += 1
        age = (today - starts).days
        draw = rng.random()
        if age >= 30 and draw < 0.5:
            state = PlanState.COMPLETED
        elif age >= 30 and draw < 0.57:
            state = PlanState.LOST
        elif age >= 20 and draw < 0.63:
            state = PlanState.LEFT
        else:
            continue
        services.plan_close(
            actor=worker,
            plan=plan,
            state=state,
            reasons="Closed for the demo",
            closed_on=starts + dt.timedelta(days=rng.randint(age // 2, age)),
        )
        result.completed += state == PlanState.COMPLETED
        result.lost += state == PlanState.LOST
        result.left += state == PlanState.LEFT
    services.followups_make_due(today=today)
    result.followups = _record_followups(rng, staffed, today)
    return result


def _record_followups(
    rng: random.Random, staffed: dict[int, tuple[User, User]], today: dt.date
) -> int:
    recorded = 0
    due = (
        FollowUp.objects.filter(
            state="due", plan__state=PlanState.ACTIVE, plan__unit_id__in=staffed
        )
        .select_related("plan")
        .order_by("due_on", "pk")
    )
    for followup in due[:FOLLOWUPS_RECORDED]:
        if rng.random() < 0.25:
            continue  # left due: the person could not be reached yet
        _, worker = staffed[followup.plan.unit_id]
        held = max(followup.plan.starts_on, min(today, followup.due_on))
        services.followup_record(
            actor=worker,
            followup=followup,
            held_on=held,
            safe=rng.random() < 0.9,
            housing=rng.choice(["stable", "temporary", "none"]),
            income=rng.choice(["working", "training", "none"]),
            documents=rng.choice(["held", "in_progress", "none"]),
            health=rng.choice(["good", "needs_care", "in_care"]),
            who5=[rng.randint(1, 5) for _ in range(5)],
        )
        recorded += 1
    return recorded
