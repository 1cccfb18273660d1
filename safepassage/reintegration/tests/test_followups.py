"""Follow-ups: recording, WHO-5, failed attempts, making due, check-ins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from safepassage.cases.models import Task
from safepassage.reintegration import selectors, services
from safepassage.reintegration.models import FollowUp, Plan
from safepassage.reintegration.who5 import ITEMS, who5_low, who5_score
from safepassage.reintegration.workflow import FollowUpState

from .factories import plan_open

pytestmark = pytest.mark.django_db


def _first(plan: Plan) -> FollowUp:
    return FollowUp.objects.filter(plan=plan).order_by("months").first()


def _record(worker, followup, **kw):
    args = {
        "actor": worker,
        "followup": followup,
        "held_on": timezone.localdate(),
        "safe": True,
        "housing": "stable",
        "income": "training",
        "documents": "in_progress",
        "health": "good",
        "who5": [3, 3, 2, 2, 2],
        "needs": "Glasses",
    }
    args.update(kw)
    return services.followup_record(**args)


@pytest.fixture
def plan(unit_a, worker):
    return plan_open(unit_a, worker, starts_on=timezone.localdate() - dt.timedelta(days=40))


def test_a_followup_records_the_indicators_and_who5(plan, worker):
    done = _record(worker, _first(plan))
    assert done.state == FollowUpState.DONE
    assert done.who5 == {"items": [3, 3, 2, 2, 2], "score": 48}
    assert done.wellbeing_low is True


def test_a_followup_dated_before_the_plan_is_refused(plan, worker):
    followup = _first(plan)
    with pytest.raises(ValidationError):
        _record(worker, followup, held_on=plan.starts_on - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        _record(worker, followup, held_on=timezone.localdate() + dt.timedelta(days=1))
    assert FollowUp.objects.get(pk=followup.pk).state == FollowUpState.SCHEDULED


@pytest.mark.parametrize(
    "who5", [[1, 2, 3, 4], [1, 2, 3, 4, 6], [1, 2, 3, 4, -1], [True, 1, 1, 1, 1], ["5", 1, 1, 1, 1]]
)
def test_bad_who5_answers_are_refused(plan, worker, who5):
    with pytest.raises(ValidationError):
        _record(worker, _first(plan), who5=who5)


@pytest.mark.parametrize("field", ["housing", "income", "documents", "health"])
def test_unknown_indicator_codes_are_refused(plan, worker, field):
    with pytest.raises(ValidationError):
        _record(worker, _first(plan), **{field: "palace"})


@given(st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_who5_score_is_the_raw_sum_times_four(answers):
    score = who5_score(answers)
    assert score == sum(answers) * 4
    assert 0 <= score <= 100
    assert who5_low(score) is (score <= 50)


def test_who5_has_five_items_in_both_languages():
    assert len(ITEMS) == 5
    assert all(i.en and i.my for i in ITEMS)


def test_failed_attempts_mark_the_plan_lost_and_a_followup_lifts_it(
    plan, worker, supervisor, settings
):
    settings.REINTEGRATION_LOST_AFTER_ATTEMPTS = 2
    followup = _first(plan)
    services.followup_attempt_failed(actor=worker, followup=followup)
    assert Plan.objects.get(pk=plan.pk).lost_marked_at is None
    services.followup_attempt_failed(actor=worker, followup=followup)
    assert Plan.objects.get(pk=plan.pk).lost_marked_at is not None
    assert list(selectors.plans_lost(user=supervisor)) == [plan]
    assert list(selectors.plans_lost(user=worker)) == []  # supervisors only
    _record(worker, followup)
    assert Plan.objects.get(pk=plan.pk).lost_marked_at is None


def test_make_due_moves_each_followup_once(plan, worker):
    today = timezone.localdate()
    assert services.followups_make_due(today=today) == 1  # the first month's
    assert services.followups_make_due(today=today) == 0
    due = list(selectors.followups_due_for(user=worker))
    assert [f.months for f in due] == [1]
    assert due[0].reminded_at is not None


def test_the_background_task_runs_the_same_work(plan):
    from safepassage.reintegration.tasks import followups_remind

    result = followups_remind.enqueue()
    assert result.return_value == 1


def test_a_checkin_lands_to_confirm_and_help_raises_a_task(plan, worker):
    followup = services.followup_record_from_checkin(
        contact_case=plan.case, answers={"safe": False, "housing": "temporary", "need_help": True}
    )
    assert followup.state == FollowUpState.TO_CONFIRM
    assert followup.safe is False
    task = Task.objects.get(case=plan.case)
    assert task.assignee == worker
    confirmed = services.followup_confirm(actor=worker, followup=followup)
    assert confirmed.state == FollowUpState.DONE


@pytest.mark.parametrize(
    "answers",
    [{"safe": 1}, {"housing": "castle"}, {"name": "x"}, {"need_help": "yes"}, {"income": 3}],
)
def test_a_checkin_with_bad_answers_writes_nothing(plan, answers):
    with pytest.raises(ValidationError):
        services.followup_record_from_checkin(contact_case=plan.case, answers=answers)
    assert not FollowUp.objects.filter(state=FollowUpState.TO_CONFIRM).exists()
