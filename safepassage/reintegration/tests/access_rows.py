"""Reintegration pages in the access matrix (see tests/access_matrix.py).

A plan of unit_a, owned by a caseworker of unit_a: the unit's handler
(its supervisor) opens it; another caseworker of the unit, who neither
owns it nor is assigned to its case, gets 404 like any other unit's staff
(the plan's existence is not revealed); roles without reintegration work
get 403. Case pages (pathway, new plan) for a cleared case of unit_a:
its handler opens them; a caseworker of the unit who is not assigned
gets 403; other units' staff 404.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.apps import apps as django_apps
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.reintegration import services
from safepassage.reintegration.models import (
    Dimension,
    FollowUp,
    PlanTemplate,
    StipendRule,
    TemplateGoal,
    TemplateStep,
)
from safepassage.reintegration.policies import CATALOGUE_KEEPERS, DIRECTORY_EDITORS, PLAN_ROLES
from safepassage.reintegration.tests.factories import (
    caseworker_in,
    cleared_case,
    plan_open,
    provider,
)
from tests.access_matrix import MATRIX, Principal, World, in_unit, roles, world_builder


@world_builder
def _reintegration(world: World) -> None:
    unit = world.units["unit_a"]
    owner = caseworker_in(unit)
    world.objects["reint_case"] = cleared_case(unit)
    plan = plan_open(unit, owner, code="")  # an empty plan: one goal, one step
    goal = services.plan_goal_add(
        actor=owner, plan=plan, dimension=Dimension.objects.first(), title_en="g"
    )
    world.objects["reint_plan"] = plan
    world.objects["reint_step"] = services.plan_step_add(
        actor=owner, plan=plan, goal=goal, kind="activity", due_on=plan.starts_on, title_en="s"
    )
    world.objects["reint_followup"] = FollowUp.objects.filter(plan=plan).order_by("months").first()
    world.objects["reint_referral"] = services.referral_send(
        actor=owner,
        plan=plan,
        provider=provider(unit, owner),
        consent_given=True,
        consented_on=timezone.localdate(),
        shared=["needs"],
        shared_text="needs",
    )


def _plan_expect(ok: int) -> Callable[[Principal, World], int]:
    def expect(principal: Principal, world: World) -> int:
        if principal.role not in PLAN_ROLES:
            return 403
        if principal.unit != "unit_a" or principal.role != Role.UNIT_HANDLER:
            return 404
        return ok

    return expect


def _case_expect(ok: int) -> Callable[[Principal, World], int]:
    def expect(principal: Principal, world: World) -> int:
        if principal.role not in PLAN_ROLES:
            return 403
        if principal.unit != "unit_a":
            return 404
        return ok if principal.role == Role.UNIT_HANDLER else 403

    return expect


def _plan(world: World) -> dict[str, int]:
    return {"pk": world.objects["reint_plan"].pk}


def _code(world: World) -> dict[str, str]:
    return {"code": world.objects["reint_case"].code}


PLAN_ROLE_LIST = [Role(r) for r in PLAN_ROLES]

MATRIX.row("reintegration:home", allow=roles(*PLAN_ROLE_LIST))
MATRIX.row("reintegration:supervision", allow=roles(Role.UNIT_HANDLER))
MATRIX.row("reintegration:providers", allow=roles(*[Role(r) for r in DIRECTORY_EDITORS]))
MATRIX.row(
    "reintegration:providers",
    allow=roles(*[Role(r) for r in DIRECTORY_EDITORS]),
    method="post",
    data={"name": "Clinic", "kind": "health", "how_to_reach": "Ask", "townships": ""},
    ok_status=302,
)
for name in ("reintegration:pathway", "reintegration:plan_new"):
    MATRIX.row(name, allow=roles(*PLAN_ROLE_LIST), kwargs=_code, expect=_case_expect(200))
MATRIX.row(
    "reintegration:pathway",
    allow=roles(*PLAN_ROLE_LIST),
    kwargs=_code,
    method="post",
    data={
        "kind": "abroad",
        "consent_given": "on",
        "consented_on": "2026-01-01",
        "agreed": "a",
        "reasons": "r",
    },
    expect=_case_expect(302),
)
for name in ("reintegration:plan", "reintegration:plan_print", "reintegration:referral_new"):
    MATRIX.row(name, allow=roles(*PLAN_ROLE_LIST), kwargs=_plan, expect=_plan_expect(200))
MATRIX.row(
    "reintegration:followup",
    allow=roles(*PLAN_ROLE_LIST),
    kwargs=lambda w: {**_plan(w), "followup_id": w.objects["reint_followup"].pk},
    expect=_plan_expect(200),
)
POSTS: list[tuple[str, Callable[[World], dict[str, int]], dict[str, str]]] = [
    (
        "reintegration:step_move",
        lambda w: {**_plan(w), "step_id": w.objects["reint_step"].pk},
        {"target": "missed"},
    ),
    (
        "reintegration:referral_move",
        lambda w: {**_plan(w), "referral_id": w.objects["reint_referral"].pk},
        {"target": "accepted", "feedback": "ok"},
    ),
    (
        "reintegration:followup_failed",
        lambda w: {**_plan(w), "followup_id": w.objects["reint_followup"].pk},
        {},
    ),
    (
        "reintegration:followup_confirm",
        lambda w: {**_plan(w), "followup_id": w.objects["reint_followup"].pk},
        {},
    ),
    ("reintegration:plan_close", _plan, {"state": "left", "reasons": "moved"}),
    ("reintegration:goal_add", _plan, {"dimension": "1", "title_en": "g"}),
    ("reintegration:step_add", _plan, {"goal": "0", "kind": "activity", "due_on": "2030-01-01"}),
]
for name, kwargs, data in POSTS:
    MATRIX.row(
        name,
        allow=roles(*PLAN_ROLE_LIST),
        kwargs=kwargs,
        method="post",
        data=data,
        expect=_plan_expect(302),
    )
# A referral can be sent only through the form page's POST, by the plan's scope.
MATRIX.row(
    "reintegration:referral_new",
    allow=roles(*PLAN_ROLE_LIST),
    kwargs=_plan,
    method="post",
    data={"consent_given": ""},
    expect=_plan_expect(200),
)


# --- the catalogue: headquarters' caseworkers and handlers only --------------------


@world_builder
def _catalogue(world: World) -> None:
    if not TemplateStep.objects.exists():  # flushed by an earlier transactional test
        importlib.import_module("safepassage.reintegration.migrations.0002_seed_catalogue").seed(
            django_apps, None
        )
    template = PlanTemplate.objects.filter(goals__steps__isnull=False).order_by("pk").first()
    goal = TemplateGoal.objects.filter(template=template).order_by("pk").first()
    world.objects["reint_template"] = template
    world.objects["reint_tgoal"] = goal
    world.objects["reint_tstep"] = TemplateStep.objects.filter(goal=goal).order_by("pk").first()
    world.objects["reint_dimension"] = Dimension.objects.order_by("pk").first()
    world.objects["reint_rule"] = StipendRule.objects.order_by("pk").first()


KEEPERS = [Role(r) for r in CATALOGUE_KEEPERS]
KEEPER_AT_HQ = roles(*KEEPERS) & in_unit("hq")

CATALOGUE_PAGES: list[tuple[str, Callable[[World], dict[str, int]]]] = [
    ("reintegration:catalogue", lambda w: {}),
    ("reintegration:catalogue_dimension_new", lambda w: {}),
    ("reintegration:catalogue_dimension", lambda w: {"pk": w.objects["reint_dimension"].pk}),
    ("reintegration:catalogue_template_new", lambda w: {}),
    ("reintegration:catalogue_template", lambda w: {"pk": w.objects["reint_template"].pk}),
    ("reintegration:catalogue_goal_new", lambda w: {"template_pk": w.objects["reint_template"].pk}),
    (
        "reintegration:catalogue_goal",
        lambda w: {
            "template_pk": w.objects["reint_template"].pk,
            "pk": w.objects["reint_tgoal"].pk,
        },
    ),
    ("reintegration:catalogue_step_new", lambda w: {"goal_pk": w.objects["reint_tgoal"].pk}),
    (
        "reintegration:catalogue_step",
        lambda w: {"goal_pk": w.objects["reint_tgoal"].pk, "pk": w.objects["reint_tstep"].pk},
    ),
    ("reintegration:catalogue_rule_new", lambda w: {}),
    ("reintegration:catalogue_rule", lambda w: {"pk": w.objects["reint_rule"].pk}),
]
for name, kwargs in CATALOGUE_PAGES:
    MATRIX.row(name, allow=KEEPER_AT_HQ, kwargs=kwargs)
MATRIX.row(
    "reintegration:catalogue_dimension",
    allow=KEEPER_AT_HQ,
    kwargs=lambda w: {"pk": w.objects["reint_dimension"].pk},
    method="post",
    data=lambda w: {
        "code": w.objects["reint_dimension"].code,
        "name_en": "Changed by the matrix",
        "name_my": "",
        "order": "1",
        "is_active": "on",
    },
    ok_status=302,
)
MATRIX.row(
    "reintegration:catalogue_remove",
    allow=KEEPER_AT_HQ,
    kwargs=lambda w: {"kind": "step", "pk": w.objects["reint_tstep"].pk},
    method="post",
    ok_status=302,
)
