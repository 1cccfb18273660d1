"""Opening, changing and closing a reintegration plan.

A plan is opened from a template by (or for) a caseworker, with the
person's consent recorded; its steps are copied from the template with
due dates counted from the start; its follow-ups are scheduled at once
(`conf.followup_months`). Every write locks the plan row, checks the
actor's scope, and is audited in the same transaction, without any text.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.cases.models import Case
from safepassage.cases.services import case_lock
from safepassage.cases.workflow import Status

from .. import conf
from ..models import Dimension, FollowUp, Goal, Plan, PlanTemplate, Step, StipendRule
from ..workflow import PLAN_CLOSING, PlanState, StepKind, StepState, step_move_allowed
from ._common import clean_text, plan_lock, plan_touch, require_case_work


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _step_due(plan: Plan, due_on: Any) -> dt.date:
    if not isinstance(due_on, dt.date):
        raise ValidationError(_("Give a due date."))
    if due_on < plan.starts_on:
        raise ValidationError(_("A step cannot be due before its plan starts."))
    return due_on


def _owner_for(actor: User, case: Case, owner: User | None) -> User:
    owner = owner or actor
    if (
        owner.unit_id != case.unit_id
        or not owner.is_active
        or not owner.has_any_role({Role.CASEWORKER})
    ):
        raise ValidationError(_("A plan is owned by a caseworker of the case's unit."))
    if owner.pk != actor.pk and not actor.has_any_role({Role.UNIT_HANDLER}):
        raise PermissionDenied
    return owner


@transaction.atomic
def plan_open(
    *,
    actor: User,
    case: Case,
    template: PlanTemplate | None,
    starts_on: dt.date,
    consent_given: bool,
    consented_on: dt.date,
    agreed: str,
    life_project: str = "",
    contact_text: str = "",
    owner: User | None = None,
    stipend_rule: StipendRule | None = None,
) -> Plan:
    """Open the case's plan from `template` (None: an empty plan).

    Refused (ValidationError) without consent, for a case not in
    "Reintegrating", when the case already has an active plan, or for an
    inactive template. The stipend rule defaults to headquarters' default
    rule; its threshold is copied into the plan as agreed.
    """
    require_case_work(actor, case)
    owner = _owner_for(actor, case, owner)
    if consent_given is not True:
        raise ValidationError(_("A plan is opened only with the person's recorded consent."))
    today = timezone.localdate()
    if not isinstance(starts_on, dt.date) or not isinstance(consented_on, dt.date):
        raise ValidationError(_("Give the start date and the date of consent."))
    if consented_on > today:
        raise ValidationError(_("The consent cannot be dated in the future."))
    agreed = clean_text(agreed, limit=4000, required=True, what=str(_("what was agreed")))
    life_project = clean_text(life_project, limit=4000, what=str(_("the person's own aims")))
    contact_text = clean_text(contact_text, limit=400, what=str(_("how to reach")))
    locked_case = case_lock(case)
    if locked_case.status != Status.REINTEGRATING:
        raise ValidationError(_("Record the reintegration pathway before opening a plan."))
    if Plan.objects.filter(case=locked_case, state=PlanState.ACTIVE).exists():
        raise ValidationError(_("This case already has an active plan."))
    if template is not None and not template.is_active:
        raise ValidationError(_("This template is no longer in use."))
    if stipend_rule is None:
        stipend_rule = StipendRule.objects.filter(is_default=True, is_active=True).first()
    elif not stipend_rule.is_active:
        raise ValidationError(_("This stipend rule is no longer in use."))
    plan = Plan.objects.create(
        case=locked_case,
        data_key=locked_case.data_key,
        unit_id=locked_case.unit_id,
        template=template,
        owner=owner,
        starts_on=starts_on,
        consent_given=True,
        consented_on=consented_on,
        consent_recorded_by=actor,
        agreed=agreed,
        life_project=life_project,
        contact_text=contact_text,
        stipend_min_attendance=stipend_rule.min_attendance_percent if stipend_rule else None,
        last_progress_at=timezone.now(),
    )
    steps = 0
    if template is not None:
        for goal_order, tgoal in enumerate(template.goals.select_related("dimension")):
            goal = Goal.objects.create(
                plan=plan,
                data_key=plan.data_key,
                dimension=tgoal.dimension,
                title_en=tgoal.title_en,
                title_my=tgoal.title_my,
                order=goal_order,
            )
            for tstep in tgoal.steps.all():
                Step.objects.create(
                    plan=plan,
                    goal=goal,
                    data_key=plan.data_key,
                    owner=owner,
                    kind=tstep.kind,
                    title_en=tstep.title_en,
                    title_my=tstep.title_my,
                    due_on=starts_on + dt.timedelta(days=tstep.offset_days),
                    order=tstep.order,
                )
                steps += 1
    for months in conf.followup_months():
        FollowUp.objects.create(
            plan=plan,
            data_key=plan.data_key,
            owner=owner,
            unit_id=plan.unit_id,
            months=months,
            due_on=add_months(starts_on, months),
        )
    audit_record(
        actor=actor,
        action="reintegration.plan_opened",
        target=plan,
        unit=plan.unit_id,
        details={
            "case": locked_case.pk,
            "template": template.code if template else None,
            "owner": owner.pk,
            "steps": steps,
        },
    )
    return plan


@transaction.atomic
def plan_goal_add(
    *, actor: User, plan: Plan, dimension: Dimension, title_en: str, title_my: str = ""
) -> Goal:
    locked = plan_lock(plan, actor)
    if not dimension.is_active:
        raise ValidationError(_("This dimension is no longer in use."))
    title_en = clean_text(title_en, limit=300, what=str(_("goal")))
    title_my = clean_text(title_my, limit=300, what=str(_("goal")))
    if not (title_en or title_my):
        raise ValidationError(_("Give the goal in Burmese or English."))
    goal = Goal.objects.create(
        plan=locked,
        data_key=locked.data_key,
        dimension=dimension,
        title_en=title_en,
        title_my=title_my,
        order=locked.goals.count(),
    )
    plan_touch(locked)
    audit_record(
        actor=actor,
        action="reintegration.goal_added",
        target=locked,
        unit=locked.unit_id,
        details={"goal": goal.pk, "dimension": dimension.code},
    )
    return goal


@transaction.atomic
def plan_step_add(
    *,
    actor: User,
    plan: Plan,
    goal: Goal,
    kind: str,
    due_on: dt.date,
    title_en: str = "",
    title_my: str = "",
) -> Step:
    """Add an activity or milestone to a goal. Refused when due before the
    plan starts."""
    locked = plan_lock(plan, actor)
    if goal.plan_id != locked.pk:
        raise PermissionDenied
    if kind not in StepKind.values:
        raise ValidationError(_("Choose an activity or a milestone."))
    due_on = _step_due(locked, due_on)
    title_en = clean_text(title_en, limit=300, what=str(_("step")))
    title_my = clean_text(title_my, limit=300, what=str(_("step")))
    if not (title_en or title_my):
        raise ValidationError(_("Give the step in Burmese or English."))
    step = Step.objects.create(
        plan=locked,
        goal=goal,
        data_key=locked.data_key,
        owner_id=locked.owner_id,
        kind=kind,
        title_en=title_en,
        title_my=title_my,
        due_on=due_on,
    )
    plan_touch(locked)
    audit_record(
        actor=actor,
        action="reintegration.step_added",
        target=locked,
        unit=locked.unit_id,
        details={"step": step.pk, "kind": kind},
    )
    return step


@transaction.atomic
def step_move(*, actor: User, step: Step, target: str, on: dt.date | None = None) -> Step:
    """Mark a step done (attended), missed or cancelled, or back to planned,
    along `workflow.STEP_MOVES`."""
    locked_step = Step.objects.select_for_update().get(pk=step.pk)
    plan = plan_lock(locked_step.plan, actor)
    if target not in StepState.values or not step_move_allowed(locked_step.state, target):
        raise ValidationError(_("This change is not allowed."))
    on = on or timezone.localdate()
    if target == StepState.DONE and (on < plan.starts_on or on > timezone.localdate()):
        raise ValidationError(_("The date must fall between the plan's start and today."))
    source = locked_step.state
    locked_step.state = target
    locked_step.done_on = on if target == StepState.DONE else None
    locked_step.save(update_fields=["state", "done_on"])
    plan_touch(plan)
    audit_record(
        actor=actor,
        action="reintegration.step_moved",
        target=plan,
        unit=plan.unit_id,
        details={"step": locked_step.pk, "from": source, "to": target},
    )
    return locked_step


@transaction.atomic
def plan_close(
    *, actor: User, plan: Plan, state: str, reasons: str, closed_on: dt.date | None = None
) -> Plan:
    """Close an active plan as completed, left, or lost to follow-up, with
    reasons. Its open follow-ups are cancelled."""
    locked = plan_lock(plan, actor)
    if state not in PLAN_CLOSING:
        raise ValidationError(_("Close the plan as completed, left or lost to follow-up."))
    reasons = clean_text(reasons, limit=4000, required=True, what=str(_("reasons")))
    closed_on = closed_on or timezone.localdate()
    if closed_on < locked.starts_on or closed_on > timezone.localdate():
        raise ValidationError(_("The date must fall between the plan's start and today."))
    locked.state = state
    locked.closed_on = closed_on
    locked.close_reasons = reasons
    locked.lost_marked_at = None
    locked.version += 1
    locked.save(update_fields=["state", "closed_on", "close_reasons", "lost_marked_at", "version"])
    cancelled = FollowUp.objects.filter(plan=locked, state__in=["scheduled", "due"]).update(
        state="cancelled"
    )
    audit_record(
        actor=actor,
        action="reintegration.plan_closed",
        target=locked,
        unit=locked.unit_id,
        details={"state": state, "followups_cancelled": cancelled},
    )
    plan.state, plan.closed_on = locked.state, locked.closed_on
    return locked
