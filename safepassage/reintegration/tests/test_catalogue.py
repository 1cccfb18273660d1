"""Headquarters keeps the catalogue: services and pages, scope, audit,
hostile input, and plans already open keep what they copied."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.reintegration import services
from safepassage.reintegration.models import (
    Dimension,
    PlanTemplate,
    StipendRule,
    TemplateGoal,
    TemplateStep,
)

from .factories import caseworker_in

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("reintegration:catalogue")


@pytest.fixture
def keeper(hq):
    return UserFactory(unit=hq, roles=[Role.CASEWORKER])


@pytest.fixture
def template(keeper):
    template = services.template_save(
        actor=keeper, code="test-kit", name_en="Test kit", name_my="", is_active=True
    )
    goal = services.template_goal_save(
        actor=keeper,
        template=template,
        dimension=Dimension.objects.filter(is_active=True).first(),
        title_en="Find work",
        title_my="",
        order=1,
    )
    services.template_step_save(
        actor=keeper,
        goal=goal,
        kind="activity",
        title_en="Visit",
        title_my="",
        offset_days=10,
        order=1,
    )
    return template


# --- services -------------------------------------------------------------------


def test_a_keeper_at_headquarters_changes_a_dimension_and_it_is_audited(keeper):
    dimension = Dimension.objects.first()
    services.dimension_save(actor=keeper, dimension=dimension, name_en="  Renamed  ")
    dimension.refresh_from_db()
    assert dimension.name_en == "Renamed"
    event = AuditEvent.objects.filter(action="reintegration.catalogue_changed").latest("sequence")
    assert event.details["fields"] == ["name_en"]
    assert event.details["what"] == "dimension"


def test_the_same_roles_in_a_unit_and_other_roles_at_headquarters_are_refused(hq, unit_a):
    dimension = Dimension.objects.first()
    for actor in (
        caseworker_in(unit_a),
        UserFactory(unit=unit_a, roles=[Role.UNIT_HANDLER]),
        UserFactory(unit=hq, roles=[Role.ANALYST]),
        UserFactory(unit=hq, roles=[Role.ADMINISTRATOR]),
    ):
        with pytest.raises(PermissionDenied):
            services.dimension_save(actor=actor, dimension=dimension, name_en="x")
    dimension.refresh_from_db()
    assert dimension.name_en != "x"


@pytest.mark.parametrize(
    "changes",
    [
        {"code": "", "name_en": "x"},
        {"code": "has space", "name_en": "x"},
        {"code": "fine", "name_en": ""},
        {"code": "fine", "name_en": "a\x00b"},
        {"code": "fine", "name_en": "x" * 400},
    ],
)
def test_a_bad_dimension_is_refused_and_nothing_is_written(keeper, changes):
    before = Dimension.objects.count()
    with pytest.raises(ValidationError):
        services.dimension_save(actor=keeper, **changes)
    assert Dimension.objects.count() == before


def test_a_code_already_taken_is_refused(keeper):
    taken = Dimension.objects.first().code
    with pytest.raises(ValidationError):
        services.dimension_save(actor=keeper, code=taken, name_en="Again")


def test_a_plan_opened_before_a_change_keeps_what_it_copied(keeper, template, unit_a):
    from .factories import plan_open as open_plan

    worker = caseworker_in(unit_a)
    plan = open_plan(unit_a, worker, code=template.code)
    before = [(g.title_en, [s.title_en for s in g.steps.all()]) for g in plan.goals.all()]
    goal = template.goals.get()
    services.template_goal_save(actor=keeper, template=template, goal=goal, title_en="Renamed")
    services.template_part_remove(actor=keeper, part=goal.steps.get())
    plan.refresh_from_db()
    after = [(g.title_en, [s.title_en for s in g.steps.all()]) for g in plan.goals.all()]
    assert after == before
    assert before == [("Find work", ["Visit"])]


def test_a_goal_cannot_be_moved_to_another_template_nor_take_a_retired_dimension(keeper, template):
    other = services.template_save(actor=keeper, code="other", name_en="Other")
    goal = template.goals.get()
    with pytest.raises(ValidationError):
        services.template_goal_save(actor=keeper, template=other, goal=goal, title_en="x")
    retired = services.dimension_save(actor=keeper, code="retired", name_en="R", is_active=False)
    with pytest.raises(ValidationError):
        services.template_goal_save(
            actor=keeper, template=template, dimension=retired, title_en="y"
        )


def test_one_default_stipend_rule_which_must_be_active(keeper):
    first = StipendRule.objects.get(is_default=True)
    second = services.stipend_rule_save(
        actor=keeper, code="half", name_en="Half", min_attendance_percent=50, is_default=True
    )
    first.refresh_from_db()
    assert second.is_default
    assert not first.is_default
    with pytest.raises(ValidationError):
        services.stipend_rule_save(actor=keeper, rule=second, is_default=False)
    with pytest.raises(ValidationError):
        services.stipend_rule_save(actor=keeper, rule=second, is_active=False)
    with pytest.raises(ValidationError):
        services.stipend_rule_save(actor=keeper, rule=first, min_attendance_percent=101)


# --- pages ------------------------------------------------------------------------


def test_a_keeper_edits_a_template_step_through_the_pages(client, keeper, template):
    sign_in(client, keeper)
    page = client.get(CATALOGUE).content.decode()
    assert "test-kit" in page
    detail = client.get(reverse("reintegration:catalogue_template", args=[template.pk]))
    assert "Find work" in detail.content.decode()
    step = TemplateStep.objects.get(goal__template=template)
    url = reverse("reintegration:catalogue_step", args=[step.goal_id, step.pk])
    answer = client.post(
        url,
        {
            "kind": "milestone",
            "title_en": "Visited",
            "title_my": "",
            "offset_days": "20",
            "order": "2",
        },
    )
    assert answer.status_code == 302
    step.refresh_from_db()
    assert (step.kind, step.title_en, step.offset_days) == ("milestone", "Visited", 20)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "nonsense", "title_en": "x", "offset_days": "1", "order": "1"},
        {"kind": "activity", "title_en": "", "offset_days": "1", "order": "1"},
        {"kind": "activity", "title_en": "x", "offset_days": "-5", "order": "1"},
        {"kind": "activity", "title_en": "x", "offset_days": "99999999999", "order": "1"},
        {"kind": "activity", "title_en": "a\x00b", "offset_days": "1", "order": "1"},
    ],
)
def test_hostile_step_posts_answer_the_form_and_write_nothing(client, keeper, template, data):
    sign_in(client, keeper)
    step = TemplateStep.objects.get(goal__template=template)
    url = reverse("reintegration:catalogue_step", args=[step.goal_id, step.pk])
    answer = client.post(url, data)
    assert answer.status_code == 200
    step.refresh_from_db()
    assert step.title_en == "Visit"
    assert step.offset_days == 10


def test_a_code_taken_on_the_page_is_a_message_not_an_error(client, keeper):
    sign_in(client, keeper)
    taken = Dimension.objects.first().code
    answer = client.post(
        reverse("reintegration:catalogue_dimension_new"),
        {"code": taken, "name_en": "Again", "name_my": "", "order": "1", "is_active": "on"},
    )
    assert answer.status_code == 200
    assert answer.context["form"].errors


def test_a_step_of_another_goal_is_not_found(client, keeper, template):
    sign_in(client, keeper)
    step = TemplateStep.objects.get(goal__template=template)
    other_goal = TemplateGoal.objects.exclude(pk=step.goal_id).first()
    url = reverse("reintegration:catalogue_step", args=[other_goal.pk, step.pk])
    assert client.get(url).status_code == 404
    bad_kind = reverse("reintegration:catalogue_remove", args=["dimension", step.pk])
    assert client.post(bad_kind).status_code == 404


def test_the_keepers_nav_links_to_the_catalogue_and_nobody_elses_does(client, keeper, unit_a):
    sign_in(client, keeper)
    assert CATALOGUE in client.get(reverse("reintegration:home")).content.decode()
    client.logout()
    sign_in(client, caseworker_in(unit_a))
    assert CATALOGUE not in client.get(reverse("reintegration:home")).content.decode()
    assert client.get(CATALOGUE).status_code == 403


def test_template_codes_are_listed_for_new_plans_only_when_active(keeper, template):
    services.template_save(actor=keeper, template=template, is_active=False)
    assert not PlanTemplate.objects.get(pk=template.pk).is_active
