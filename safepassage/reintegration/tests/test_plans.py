"""services.plan_open / plan_step_add / step_move / plan_close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from safepassage.reintegration import services
from safepassage.reintegration.models import (
    Dimension,
    FollowUp,
    Goal,
    Plan,
    PlanTemplate,
    Step,
    TemplateStep,
)
from safepassage.reintegration.workflow import PlanState, StepKind, StepState

from .factories import (
    assign,
    caseworker_in,
    cleared_case,
    last_audit,
    plan_open,
    reintegrating_case,
    supervisor_in,
    template,
)

pytestmark = pytest.mark.django_db


def _open(actor, case, **kw):
    today = timezone.localdate()
    args = {
        "actor": actor,
        "case": case,
        "template": template(),
        "starts_on": today,
        "consent_given": True,
        "consented_on": today,
        "agreed": "agreed",
    }
    args.update(kw)
    return services.plan_open(**args)


def test_the_catalogue_is_seeded_in_burmese_and_english():
    assert Dimension.objects.count() == 8
    codes = set(PlanTemplate.objects.values_list("code", flat=True))
    assert {"conscript", "career-soldier", "police-officer", "wounded", "family-danger"} <= codes
    for step in TemplateStep.objects.all():
        assert step.title_en
        assert step.title_my


def test_a_plan_opens_from_a_template_with_its_steps_and_followups(unit_a, worker):
    case = reintegrating_case(unit_a, worker)
    start = timezone.localdate()
    plan = _open(worker, case, starts_on=start)
    tmpl = template()
    assert plan.owner == worker
    assert plan.state == PlanState.ACTIVE
    assert plan.goals.count() == tmpl.goals.count()
    assert (
        Step.objects.filter(plan=plan).count()
        == TemplateStep.objects.filter(goal__template=tmpl).count()
    )
    assert all(s.due_on >= start for s in Step.objects.filter(plan=plan))
    assert list(
        FollowUp.objects.filter(plan=plan).order_by("months").values_list("months", flat=True)
    ) == [1, 3, 6, 12]
    assert plan.stipend_min_attendance == 90
    assert last_audit("reintegration.plan_opened").details["template"] == "conscript"


def test_followup_months_are_a_setting(unit_a, worker, settings):
    settings.REINTEGRATION_FOLLOWUP_MONTHS = (2, 4)
    plan = plan_open(unit_a, worker, starts_on=dt.date(2026, 1, 31))
    dates = list(
        FollowUp.objects.filter(plan=plan).order_by("months").values_list("due_on", flat=True)
    )
    assert dates == [dt.date(2026, 3, 31), dt.date(2026, 5, 31)]


def test_add_months_clamps_to_the_month_end():
    assert services.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert services.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_no_plan_without_consent_or_pathway(unit_a, worker):
    case = reintegrating_case(unit_a, worker)
    with pytest.raises(ValidationError):
        _open(worker, case, consent_given=False)
    with pytest.raises(ValidationError):
        _open(worker, case, agreed="")
    cleared = cleared_case(unit_a)
    assign(cleared, worker)
    with pytest.raises(ValidationError):
        _open(worker, cleared)
    assert not Plan.objects.exists()
    assert not Goal.objects.exists()


def test_one_active_plan_per_case(unit_a, worker):
    case = reintegrating_case(unit_a, worker)
    _open(worker, case)
    with pytest.raises(ValidationError):
        _open(worker, case)
    assert Plan.objects.count() == 1


def test_a_caseworker_not_assigned_cannot_open_and_owner_must_be_a_caseworker(unit_a, worker):
    case = reintegrating_case(unit_a, worker)
    other = caseworker_in(unit_a)
    with pytest.raises(PermissionDenied):
        _open(other, case)
    supervisor = supervisor_in(unit_a)
    with pytest.raises(ValidationError):
        _open(supervisor, case)  # a handler owns no plan
    plan = _open(supervisor, case, owner=worker)
    assert plan.owner == worker


def test_a_step_due_before_the_plan_starts_is_refused(unit_a, worker):
    start = timezone.localdate() - dt.timedelta(days=3)
    plan = plan_open(unit_a, worker, starts_on=start)
    goal = plan.goals.first()
    before = Step.objects.count()
    with pytest.raises(ValidationError):
        services.plan_step_add(
            actor=worker,
            plan=plan,
            goal=goal,
            kind=StepKind.MILESTONE,
            due_on=start - dt.timedelta(days=1),
            title_en="Too early",
        )
    assert Step.objects.count() == before
    step = services.plan_step_add(
        actor=worker, plan=plan, goal=goal, kind=StepKind.MILESTONE, due_on=start, title_my="စာ"
    )
    assert step.owner == worker


def test_step_moves_follow_the_table(unit_a, worker):
    plan = plan_open(unit_a, worker)
    step = Step.objects.filter(plan=plan).first()
    services.step_move(actor=worker, step=step, target=StepState.DONE)
    with pytest.raises(ValidationError):
        services.step_move(actor=worker, step=step, target=StepState.CANCELLED)
    with pytest.raises(ValidationError):
        services.step_move(actor=worker, step=step, target="bogus")
    services.step_move(actor=worker, step=step, target=StepState.PLANNED)
    assert Step.objects.get(pk=step.pk).state == StepState.PLANNED


def test_close_needs_a_final_state_and_reasons_and_cancels_followups(unit_a, worker):
    plan = plan_open(unit_a, worker)
    with pytest.raises(ValidationError):
        services.plan_close(actor=worker, plan=plan, state=PlanState.ACTIVE, reasons="x")
    with pytest.raises(ValidationError):
        services.plan_close(actor=worker, plan=plan, state=PlanState.LEFT, reasons=" ")
    services.plan_close(actor=worker, plan=plan, state=PlanState.LEFT, reasons="Moved away")
    plan.refresh_from_db()
    assert plan.state == PlanState.LEFT
    assert plan.close_reasons == "Moved away"
    assert not FollowUp.objects.filter(plan=plan, state__in=["scheduled", "due"]).exists()
    with pytest.raises(ValidationError):
        services.plan_close(actor=worker, plan=plan, state=PlanState.COMPLETED, reasons="again")


def test_another_unit_cannot_touch_the_plan(unit_a, unit_b, worker):
    plan = plan_open(unit_a, worker)
    for stranger in (caseworker_in(unit_b), supervisor_in(unit_b)):
        with pytest.raises(PermissionDenied):
            services.plan_close(actor=stranger, plan=plan, state=PlanState.LEFT, reasons="x")


def test_personal_text_is_encrypted(unit_a, worker):
    plan = plan_open(unit_a, worker)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT life_project, contact_text FROM reintegration_plan WHERE id = %s", [plan.pk]
        )
        life, contact = (bytes(v) for v in cursor.fetchone())
    assert b"repair shop" not in life
    assert b"Signal" not in contact
    fresh = Plan.objects.get(pk=plan.pk)
    assert fresh.life_project == "Open a repair shop"
