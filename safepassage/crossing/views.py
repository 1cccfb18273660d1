"""Crossing pages. Thin: load through a selector, validate a form, call one
service, render. Another unit's case or plan answers 404 (audited by the
selector); a refused action shows the service's reason."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.cases.selectors import CaseNotFound, case_get_for_user
from safepassage.core.permissions import refuse_in_view, requires_role

from . import selectors, services
from .forms import ArrivalForm, NotArrivedForm, PlanForm, ReviewForm, StaffChannelForm
from .models import CrossingPlan, PlanState
from .policies import user_is_hq_protection, user_may_plan, user_sees_crossings

_SEE = (Role.UNIT_HANDLER, Role.PROTECTION_OFFICER)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _sees(request: HttpRequest) -> None:
    """A protection officer outside headquarters holds the role but sees no
    crossing: refused (and audited) like a missing role."""
    if not user_sees_crossings(request.user):
        raise refuse_in_view(request, "scope")


def _plan(request: HttpRequest, public_id: UUID) -> CrossingPlan:
    _sees(request)
    try:
        return cast(
            CrossingPlan,
            selectors.plan_get_for_user(user=request.user, public_id=public_id, request=request),
        )
    except selectors.NotFound:
        raise Http404() from None


def _to_plan(plan: CrossingPlan) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("crossing:plan", args=[plan.public_id]))


def _plan_fields(form: PlanForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        name: data[name]
        for name in (
            "meeting_point",
            "place_shared",
            "window_start",
            "window_end",
            "fallback_point",
            "fallback_at",
            "bring",
            "leave_behind",
            "items_declared",
        )
    } | {"team": list(data["team"])}


@requires_role(Role.UNIT_HANDLER)
@require_http_methods(["GET", "POST"])
def case_crossing(request: HttpRequest, code: str) -> HttpResponse:
    """A case's crossing: its active plan, or the form to make one."""
    try:
        case = case_get_for_user(user=cast(User, request.user), code=code, request=request)
    except CaseNotFound:
        raise Http404() from None
    active = selectors.plan_active_for_case(user=request.user, case=case)
    if active is not None:
        return _to_plan(active)
    form = PlanForm(request.POST or None, unit_id=case.unit_id)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                plan = services.plan_create(actor=_user(request), case=case, **_plan_fields(form))
            except services.CrossingRefused as refused:
                form.add_error(None, refused.message)
            else:
                return _to_plan(plan)
    history = selectors.plans_for_case(user=request.user, case=case)
    return render(
        request,
        "crossing/plan_form.html",
        {"case": case, "form": form, "history": history},
        status=status,
    )


@requires_role(*_SEE)
def plan_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    plan = _plan(request, public_id)
    context = selectors.plan_detail(user=request.user, plan=plan, request=request)
    may_plan = user_may_plan(request.user, plan.case.unit_id)
    context |= {
        "may_plan": may_plan and plan.state == PlanState.ACTIVE,
        "may_replan": may_plan and plan.state == PlanState.NOT_ARRIVED,
        "may_decide_lost": user_is_hq_protection(request.user)
        and plan.state == PlanState.NOT_ARRIVED,
        "arrival_form": ArrivalForm(),
        "not_arrived_form": NotArrivedForm(),
    }
    return render(request, "crossing/plan_detail.html", context)


@requires_role(Role.UNIT_HANDLER)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    plan = _plan(request, public_id)
    if not user_may_plan(request.user, plan.case.unit_id) or plan.state != PlanState.ACTIVE:
        raise Http404()
    initial = {
        "meeting_point": plan.meeting_point,
        "place_shared": plan.place_shared,
        "window_start": plan.window_start,
        "window_end": plan.window_end,
        "fallback_point": plan.fallback_point,
        "fallback_at": plan.fallback_at,
        "team": list(plan.team.all()),
        "bring": plan.bring,
        "leave_behind": plan.leave_behind,
        "items_declared": plan.items_declared,
    }
    form = PlanForm(request.POST or None, initial=initial, unit_id=plan.case.unit_id)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                expected = int(request.POST.get("expected_version", "0"))
            except ValueError:
                expected = -1
            try:
                services.plan_update(
                    actor=_user(request), plan=plan, expected_version=expected,
                    **_plan_fields(form),
                )  # fmt: skip
            except services.CrossingRefused as refused:
                form.add_error(None, refused.message)
            else:
                return _to_plan(plan)
    return render(
        request,
        "crossing/plan_form.html",
        {"case": plan.case, "form": form, "plan": plan},
        status=status,
    )


def _act(request: HttpRequest, plan: CrossingPlan, action: Any, **kwargs: Any) -> HttpResponse:
    try:
        action(actor=_user(request), plan=plan, **kwargs)
    except services.CrossingRefused as refused:
        messages.error(request, str(refused.message))
    return _to_plan(plan)


@requires_role(Role.UNIT_HANDLER)
@require_POST
def plan_words(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _act(request, _plan(request, public_id), services.plan_words_draw)


@requires_role(Role.UNIT_HANDLER)
@require_POST
def plan_send(request: HttpRequest, public_id: UUID) -> HttpResponse:
    plan = _plan(request, public_id)
    response = _act(request, plan, services.plan_send)
    return response


@requires_role(Role.UNIT_HANDLER)
@require_POST
def plan_arrival(request: HttpRequest, public_id: UUID) -> HttpResponse:
    plan = _plan(request, public_id)
    form = ArrivalForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.as_text()))
        return _to_plan(plan)
    return _act(
        request,
        plan,
        services.arrival_record,
        words_exchanged=form.cleaned_data["words_exchanged"],
        answer_heard=form.cleaned_data["answer_heard"] or "",
        note=form.cleaned_data["note"] or "",
    )


@requires_role(Role.UNIT_HANDLER)
@require_POST
def plan_not_arrived(request: HttpRequest, public_id: UUID) -> HttpResponse:
    plan = _plan(request, public_id)
    form = NotArrivedForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.as_text()))
        return _to_plan(plan)
    return _act(request, plan, services.not_arrived_record, reason=form.cleaned_data["reason"])


@requires_role(*_SEE)
@require_POST
def plan_review(request: HttpRequest, public_id: UUID) -> HttpResponse:
    plan = _plan(request, public_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.as_text()))
        return _to_plan(plan)
    return _act(request, plan, services.review_decide, decision=form.cleaned_data["decision"])


@requires_role(*_SEE)
def alerts(request: HttpRequest) -> HttpResponse:
    _sees(request)
    rows = selectors.alerts_open_for(user=request.user)
    return render(request, "crossing/alerts.html", {"alerts": rows})


@requires_role(*_SEE)
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    _sees(request)
    try:
        alert = selectors.alert_get_for_user(user=request.user, pk=pk, request=request)
    except selectors.NotFound:
        raise Http404() from None
    try:
        services.alert_acknowledge(actor=_user(request), alert=alert)
    except services.CrossingRefused as refused:
        messages.error(request, str(refused.message))
    target = request.POST.get("next", "")
    if target not in ("/", reverse("crossing:alerts")):
        target = reverse("crossing:alerts")
    return HttpResponseRedirect(target)


@requires_role(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def staff_channel(request: HttpRequest) -> HttpResponse:
    """The unit's staff channel: where its alerts are also sent, and
    whether it could be reached last time. Credentials never shown."""
    unit_id = _user(request).unit_id
    channel = selectors.staff_channel_for(unit_id=unit_id)
    initial = (
        {"chat_id": channel.chat_id, "api_url": channel.api_url, "is_active": channel.is_active}
        if channel is not None
        else None
    )
    form = StaffChannelForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.staff_channel_save(
                    actor=_user(request), unit_id=unit_id, **form.cleaned_data
                )
            except services.CrossingRefused as refused:
                form.add_error(None, refused.message)
            else:
                return HttpResponseRedirect(reverse("crossing:staff_channel"))
    return render(
        request, "crossing/staff_channel.html", {"form": form, "channel": channel}, status=status
    )
