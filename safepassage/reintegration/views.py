"""Reintegration pages. Thin: load through a selector, validate a form,
call one service, render. Pages that decrypt record an audited read.

A plan outside the user's scope answers 404 (audited by the selector);
a case the user may not work on, 403 (audited by `refuse_in_view`).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.accounts.selectors import units_active
from safepassage.audit.services import audit_read
from safepassage.cases import selectors as case_selectors
from safepassage.cases.models import Case
from safepassage.core.permissions import refuse_in_view, requires_role

from . import selectors, services
from .forms import (
    FollowUpForm,
    GoalAddForm,
    PathwayForm,
    PlanCloseForm,
    PlanOpenForm,
    ProviderForm,
    ReferralForm,
    ReferralMoveForm,
    StepAddForm,
    StepMoveForm,
)
from .models import Plan
from .policies import (
    DIRECTORY_EDITORS,
    PLAN_ROLES,
    user_keeps_catalogue,
    user_may_work_on_case,
    user_supervises,
)
from .services._common import case_assigned
from .workflow import FollowUpState, ReferralStatus, StepKind, StepState

plan_view = requires_role(*PLAN_ROLES)

PLAN_FIELDS = ("agreed", "life_project", "contact_text", "goals", "steps", "referrals", "followups")


def _staff(request: HttpRequest) -> User:
    return cast(User, request.user)


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("supervises", user_supervises(_staff(request)))
    context.setdefault("keeps_catalogue", user_keeps_catalogue(_staff(request)))
    return render(request, template, context)


def _labelled(rows: Any, **fields: Any) -> None:
    """Set `<field>_label` on each row, translating each choice once:
    `get_<field>_display()` translates every choice on every call, which
    was most of a 50-row page's time (as the cases list found)."""
    for field, choices in fields.items():
        labels = {value: str(label) for value, label in choices}
        for row in rows:
            setattr(row, f"{field}_label", labels.get(getattr(row, field), ""))


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _case_for_work(request: HttpRequest, code: str) -> Case:
    user = _staff(request)
    try:
        case = case_selectors.case_get_for_user(user=user, code=code, request=request)
    except case_selectors.CaseNotFound:
        raise Http404 from None
    if not user_may_work_on_case(user, case, assigned=case_assigned(user, case)):
        raise refuse_in_view(request, "not_assigned")
    return case


def _plan(request: HttpRequest, pk: int) -> Plan:
    try:
        return selectors.plan_get_for_user(user=_staff(request), pk=pk, request=request)
    except selectors.PlanNotFound:
        raise Http404 from None


def _to_plan(plan: Plan) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("reintegration:plan", kwargs={"pk": plan.pk}))


@plan_view
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    home = selectors.caseworker_home(user=user)
    _labelled([*home.due_this_week, *home.overdue], kind=StepKind.choices)
    _labelled(home.followups_due, state=FollowUpState.choices)
    context = {
        "home": home,
        "waiting": selectors.cases_waiting(user=user),
        "today": timezone.localdate(),
    }
    return _render(request, "reintegration/home.html", context)


@requires_role(Role.UNIT_HANDLER)
@require_http_methods(["GET"])
def supervision(request: HttpRequest) -> HttpResponse:
    view = selectors.supervisor_view(user=_staff(request))
    return _render(request, "reintegration/supervision.html", {"view": view})


@plan_view
@require_http_methods(["GET", "POST"])
def pathway(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_for_work(request, code)
    units = units_active(headquarters=False, exclude_id=case.unit_id)
    form = PathwayForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pathway_record(
                actor=_staff(request),
                case=case,
                kind=data["kind"],
                consent_given=data["consent_given"],
                consented_on=data["consented_on"],
                agreed=data["agreed"],
                reasons=data["reasons"],
                to_unit=data.get("to_unit"),
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The pathway was recorded."))
            if data["kind"] == "reintegration":
                return HttpResponseRedirect(
                    reverse("reintegration:plan_new", kwargs={"code": case.code})
                )
            return HttpResponseRedirect(reverse("reintegration:home"))
    return _render(request, "reintegration/pathway.html", {"case": case, "form": form})


@plan_view
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_for_work(request, code)
    form = PlanOpenForm(request.POST or None, templates=selectors.templates_active())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_open(
                actor=_staff(request),
                case=case,
                template=data["template"],
                starts_on=data["starts_on"],
                consent_given=data["consent_given"],
                consented_on=data["consented_on"],
                agreed=data["agreed"],
                life_project=data["life_project"] or "",
                contact_text=data["contact_text"] or "",
            )
        except ValidationError as error:
            _errors(request, error)
        except PermissionDenied:
            raise refuse_in_view(request, "plan_owner") from None
        else:
            messages.success(request, _("The plan was opened."))
            return _to_plan(plan)
    return _render(request, "reintegration/plan_new.html", {"case": case, "form": form})


def _plan_context(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    page = selectors.plan_page(plan=plan)
    steps = [step for d in page.dimensions for view in d.goals for step in view.steps]
    _labelled(steps, kind=StepKind.choices, state=StepState.choices)
    _labelled(page.followups, state=FollowUpState.choices)
    _labelled(page.referrals, status=ReferralStatus.choices)
    goals = [
        (view.goal.pk, f"{d.dimension.name}: {view.goal.title_my or view.goal.title_en}")
        for d in page.dimensions
        for view in d.goals
    ]
    return {
        "page": page,
        "plan": plan,
        "step_form": StepAddForm(goals=goals),
        "goal_form": GoalAddForm(dimensions=selectors.dimensions_active()),
        "close_form": PlanCloseForm(),
        "today": timezone.localdate(),
    }


@plan_view
@require_http_methods(["GET"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    context = _plan_context(request, plan)
    audit_read(
        actor=_staff(request), target=plan, fields=PLAN_FIELDS, unit=plan.unit_id, request=request
    )
    return _render(request, "reintegration/plan.html", context)


@plan_view
@require_http_methods(["GET"])
def plan_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's own copy: goals, next steps, how to reach the
    caseworker. No unit, no place, no case code, no history."""
    plan = _plan(request, pk)
    page = selectors.plan_page(plan=plan)
    today = timezone.localdate()
    next_steps = [
        step
        for d in page.dimensions
        for view in d.goals
        for step in view.steps
        if step.state == "planned"
    ]
    next_steps.sort(key=lambda s: s.due_on)
    audit_read(
        actor=_staff(request),
        target=plan,
        fields=("contact_text", "goals", "steps"),
        purpose="print",
        unit=plan.unit_id,
        request=request,
    )
    context = {"page": page, "plan": plan, "next_steps": next_steps[:10], "today": today}
    return _render(request, "reintegration/print.html", context)


@plan_view
@require_POST
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = GoalAddForm(request.POST, dimensions=selectors.dimensions_active())
    if form.is_valid():
        try:
            services.plan_goal_add(actor=_staff(request), plan=plan, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
    else:
        messages.error(request, _("Check the goal: dimension and title."))
    return _to_plan(plan)


@plan_view
@require_POST
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    goals = [(g.pk, "") for g in plan.goals.all()]
    form = StepAddForm(request.POST, goals=goals)
    if form.is_valid():
        data = form.cleaned_data
        goal = selectors.goal_of_plan(plan=plan, pk=data["goal"])
        if goal is None:
            raise Http404
        try:
            services.plan_step_add(
                actor=_staff(request),
                plan=plan,
                goal=goal,
                kind=data["kind"],
                due_on=data["due_on"],
                title_en=data["title_en"] or "",
                title_my=data["title_my"] or "",
            )
        except ValidationError as error:
            _errors(request, error)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return _to_plan(plan)


@plan_view
@require_POST
def step_move(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    plan = _plan(request, pk)
    step = selectors.step_of_plan(plan=plan, pk=step_id)
    form = StepMoveForm(request.POST)
    if step is None:
        raise Http404
    if form.is_valid():
        try:
            services.step_move(actor=_staff(request), step=step, target=form.cleaned_data["target"])
        except ValidationError as error:
            _errors(request, error)
    return _to_plan(plan)


@plan_view
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = PlanCloseForm(request.POST)
    if form.is_valid():
        try:
            services.plan_close(actor=_staff(request), plan=plan, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The plan was closed."))
    else:
        messages.error(request, _("Give the reasons for closing the plan."))
    return _to_plan(plan)


@plan_view
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    providers = selectors.providers_visible_to(_staff(request))
    form = ReferralForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_send(
                actor=_staff(request),
                plan=plan,
                provider=data["provider"],
                consent_given=data["consent_given"],
                consented_on=data["consented_on"],
                shared=data["shared"],
                shared_text=data["shared_text"] or "",
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The referral was recorded as sent."))
            return _to_plan(plan)
    return _render(request, "reintegration/referral_new.html", {"plan": plan, "form": form})


@plan_view
@require_POST
def referral_move(request: HttpRequest, pk: int, referral_id: int) -> HttpResponse:
    plan = _plan(request, pk)
    referral = selectors.referral_of_plan(plan=plan, pk=referral_id)
    if referral is None:
        raise Http404
    form = ReferralMoveForm(request.POST)
    if form.is_valid():
        try:
            services.referral_move(
                actor=_staff(request),
                referral=referral,
                target=form.cleaned_data["target"],
                feedback=form.cleaned_data["feedback"] or "",
            )
        except ValidationError as error:
            _errors(request, error)
    return _to_plan(plan)


@plan_view
@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest, pk: int, followup_id: int) -> HttpResponse:
    plan = _plan(request, pk)
    item = selectors.followup_of_plan(plan=plan, pk=followup_id)
    if item is None:
        raise Http404
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.followup_record(
                actor=_staff(request),
                followup=item,
                held_on=data["held_on"],
                safe=data["safe_bool"],
                housing=data["housing"],
                income=data["income"],
                documents=data["documents"],
                health=data["health"],
                who5=data["who5"],
                needs=data["needs"] or "",
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The follow-up was recorded."))
            return _to_plan(plan)
    return _render(
        request, "reintegration/followup.html", {"plan": plan, "item": item, "form": form}
    )


@plan_view
@require_POST
def followup_failed(request: HttpRequest, pk: int, followup_id: int) -> HttpResponse:
    plan = _plan(request, pk)
    item = selectors.followup_of_plan(plan=plan, pk=followup_id)
    if item is None:
        raise Http404
    try:
        services.followup_attempt_failed(actor=_staff(request), followup=item)
    except ValidationError as error:
        _errors(request, error)
    return _to_plan(plan)


@plan_view
@require_POST
def followup_confirm(request: HttpRequest, pk: int, followup_id: int) -> HttpResponse:
    plan = _plan(request, pk)
    item = selectors.followup_of_plan(plan=plan, pk=followup_id)
    if item is None:
        raise Http404
    try:
        services.followup_confirm(actor=_staff(request), followup=item)
    except ValidationError as error:
        _errors(request, error)
    return _to_plan(plan)


@requires_role(*DIRECTORY_EDITORS)
@require_http_methods(["GET", "POST"])
def providers(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_create(actor=user, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The provider was added."))
            return HttpResponseRedirect(reverse("reintegration:providers"))
    # A provider is an organisation, not a person: its contact is
    # encrypted because it can point to a place, and shown to the unit.
    rows = list(selectors.providers_visible_to(user))
    return _render(request, "reintegration/providers.html", {"rows": rows, "form": form})
