"""The catalogue pages: headquarters' caseworkers and handlers keep the
dimensions, plan templates and stipend rules every unit's new plans use.

Other roles, and the same roles outside headquarters, read nothing here:
403, audited (`refuse_in_view`). Nothing on these pages is about a
person. A record that does not exist answers 404.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.models import User
from safepassage.core.permissions import refuse_in_view, requires_role

from . import services
from .forms_catalogue import (
    DimensionForm,
    StipendRuleForm,
    TemplateForm,
    TemplateGoalForm,
    TemplateStepForm,
)
from .models import Dimension, PlanTemplate, StipendRule, TemplateGoal, TemplateStep
from .policies import CATALOGUE_KEEPERS, user_keeps_catalogue, user_supervises

catalogue_view = requires_role(*CATALOGUE_KEEPERS)


def _keeper(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not user_keeps_catalogue(user):
        raise refuse_in_view(request, "catalogue_outside_headquarters")
    return user


def _get(model: type[models.Model], pk: int) -> Any:
    record = model._default_manager.filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


def _saved(request: HttpRequest, form: BaseForm, write: Any) -> bool:
    """Run `write()`; a refusal lands on the form (field by field where the
    record names the field), never a 500."""
    try:
        write()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            _on_fields(form, error)
        else:
            form.add_error(None, error)
        return False
    except IntegrityError:  # the same code saved at the same moment elsewhere
        form.add_error(None, _("Another change was saved at the same moment. Try again."))
        return False
    messages.success(request, _("The catalogue was changed."))
    return True


def _on_fields(form: BaseForm, error: ValidationError) -> None:
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return _render(request, "reintegration/catalogue/edit.html", context)


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("keeps_catalogue", True)  # only keepers reach these pages
    context.setdefault("supervises", user_supervises(request.user))
    return render(request, template, context)


def _to(name: str, *args: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse(f"reintegration:{name}", args=args))


@catalogue_view
@require_http_methods(["GET"])
def catalogue(request: HttpRequest) -> HttpResponse:
    _keeper(request)
    return _render(
        request,
        "reintegration/catalogue/index.html",
        {
            "dimensions": Dimension.objects.all(),
            "templates": PlanTemplate.objects.prefetch_related("goals"),
            "rules": StipendRule.objects.all(),
        },
    )


@catalogue_view
@require_http_methods(["GET", "POST"])
def dimension_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _keeper(request)
    record = _get(Dimension, pk) if pk is not None else None
    form = DimensionForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if _saved(
            request,
            form,
            lambda: services.dimension_save(actor=actor, dimension=record, **changes),
        ):
            return _to("catalogue")
    title = _("Change a dimension") if record else _("Add a dimension")
    return _page(request, {"form": form, "title": title})


@catalogue_view
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _keeper(request)
    record = _get(PlanTemplate, pk) if pk is not None else None
    form = TemplateForm(request.POST or None, instance=record)
    saved: list[PlanTemplate] = []
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if _saved(
            request,
            form,
            lambda: saved.append(services.template_save(actor=actor, template=record, **changes)),
        ):
            return _to("catalogue_template", saved[0].pk)
    context: dict[str, Any] = {
        "form": form,
        "title": _("Change a plan template") if record else _("Add a plan template"),
        "template": record,
    }
    if record is not None:
        context["goals"] = record.goals.select_related("dimension").prefetch_related("steps")
    return _page(request, context)


@catalogue_view
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, template_pk: int, pk: int | None = None) -> HttpResponse:
    actor = _keeper(request)
    template = _get(PlanTemplate, template_pk)
    record = _get(TemplateGoal, pk) if pk is not None else None
    if record is not None and record.template_id != template.pk:
        raise Http404
    form = TemplateGoalForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if _saved(
            request,
            form,
            lambda: services.template_goal_save(
                actor=actor, template=template, goal=record, **changes
            ),
        ):
            return _to("catalogue_template", template.pk)
    title = _("Change a goal") if record else _("Add a goal")
    return _page(
        request,
        {"form": form, "title": title, "goal": record, "back": template},
    )


@catalogue_view
@require_http_methods(["GET", "POST"])
def step_edit(request: HttpRequest, goal_pk: int, pk: int | None = None) -> HttpResponse:
    actor = _keeper(request)
    goal = _get(TemplateGoal, goal_pk)
    record = _get(TemplateStep, pk) if pk is not None else None
    if record is not None and record.goal_id != goal.pk:
        raise Http404
    form = TemplateStepForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if _saved(
            request,
            form,
            lambda: services.template_step_save(actor=actor, goal=goal, step=record, **changes),
        ):
            return _to("catalogue_template", goal.template_id)
    title = _("Change a step") if record else _("Add a step")
    return _page(
        request,
        {
            "form": form,
            "title": title,
            "template": goal.template,
            "step": record,
            "back": goal.template,
        },
    )


@catalogue_view
@require_POST
def part_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    actor = _keeper(request)
    model: type[models.Model] = {"goal": TemplateGoal, "step": TemplateStep}.get(kind) or _none()
    part = _get(model, pk)
    template_pk = part.template_id if kind == "goal" else part.goal.template_id
    services.template_part_remove(actor=actor, part=part)
    messages.success(request, _("Removed from the template. Plans opened from it keep theirs."))
    return _to("catalogue_template", template_pk)


def _none() -> type[models.Model]:
    raise Http404


@catalogue_view
@require_http_methods(["GET", "POST"])
def stipend_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = _keeper(request)
    record = _get(StipendRule, pk) if pk is not None else None
    form = StipendRuleForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if _saved(
            request,
            form,
            lambda: services.stipend_rule_save(actor=actor, rule=record, **changes),
        ):
            return _to("catalogue")
    title = _("Change a stipend rule") if record else _("Add a stipend rule")
    return _page(request, {"form": form, "title": title})
