"""selectors.stipend_month: the computed monthly eligibility."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safepassage.reintegration import selectors, services
from safepassage.reintegration.models import Plan, Step
from safepassage.reintegration.workflow import StepKind, StepState

from .factories import plan_open

pytestmark = pytest.mark.django_db


def _month_with(plan: Plan, worker, attended: int, missed: int, cancelled: int = 0):
    start = plan.starts_on
    goal = plan.goals.first()
    Step.objects.filter(plan=plan).delete()
    for i in range(attended + missed + cancelled):
        step = services.plan_step_add(
            actor=worker,
            plan=plan,
            goal=goal,
            kind=StepKind.ACTIVITY,
            due_on=start,
            title_en=f"a{i}",
        )
        target = (
            StepState.DONE
            if i < attended
            else StepState.MISSED
            if i < attended + missed
            else StepState.CANCELLED
        )
        services.step_move(actor=worker, step=step, target=target, on=start)
    return selectors.stipend_month(plan=plan, year=start.year, month=start.month)


@pytest.fixture
def plan(unit_a, worker):
    today = timezone.localdate()
    return plan_open(unit_a, worker, starts_on=today.replace(day=1))


def test_nine_of_ten_meets_ninety_percent(plan, worker):
    month = _month_with(plan, worker, attended=9, missed=1)
    assert (month.agreed, month.attended, month.met) == (10, 9, True)


def test_eight_of_ten_does_not(plan, worker):
    assert _month_with(plan, worker, attended=8, missed=2).met is False


def test_cancelled_activities_do_not_count(plan, worker):
    month = _month_with(plan, worker, attended=9, missed=1, cancelled=5)
    assert month.agreed == 10
    assert month.met is True


def test_a_month_without_activities_has_nothing_to_pay_on(plan, worker):
    month = _month_with(plan, worker, attended=0, missed=0)
    assert month.met is None
    assert month.percent is None


def test_the_threshold_is_the_plans_data(plan, worker):
    Plan.objects.filter(pk=plan.pk).update(stipend_min_attendance=75)
    plan.refresh_from_db()
    assert _month_with(plan, worker, attended=3, missed=1).met is True


def test_milestones_do_not_count_as_attendance(plan, worker):
    start = plan.starts_on
    Step.objects.filter(plan=plan).delete()
    services.plan_step_add(
        actor=worker,
        plan=plan,
        goal=plan.goals.first(),
        kind=StepKind.MILESTONE,
        due_on=start,
        title_en="m",
    )
    assert selectors.stipend_month(plan=plan, year=start.year, month=start.month).agreed == 0


def test_months_before_the_plan_are_not_listed(plan):
    months = selectors.stipend_months(plan=plan, upto=plan.starts_on + dt.timedelta(days=40))
    assert len(months) == 2


def test_a_month_not_over_says_so(plan):
    today = timezone.localdate()
    assert selectors.stipend_month(plan=plan, year=today.year, month=today.month).over is False
    last = plan.starts_on - dt.timedelta(days=1)
    assert selectors.stipend_month(plan=plan, year=last.year, month=last.month).over is True
