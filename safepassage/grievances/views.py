"""Complaint pages: the public form (no sign-in, no JavaScript) and
headquarters' list, detail, answer and moves. Thin: load through a
selector, validate a form, call one service, render.

Staff pages answer 403 to a complaint role held outside headquarters
(refused and audited), and a complaint asked for by anyone who may not
read it answers 404 (audited under headquarters by the selector)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.models import User
from safepassage.audit.services import audit_read
from safepassage.core.permissions import public, refuse_in_view, requires_role
from safepassage.intake import web
from safepassage.intake.web_views import (  # the public form's own guards, shared
    public_form_client,
    public_form_language,
    public_form_refused,
    public_form_with_token,
    same_site_posts,
)

from . import selectors, services
from .forms import AnswerForm, MoveForm, WebComplaintForm
from .models import Grievance, GrievanceChannel
from .policies import GRIEVANCE_ROLES, user_handles_grievances

_ROLES = tuple(sorted(GRIEVANCE_ROLES))


@public
@same_site_posts
@require_http_methods(["GET", "POST"])
@public_form_language
def complaint(request: HttpRequest) -> HttpResponse:
    """The same answer for every complaint received, whatever its code
    and numbers (`services.grievance_submit`)."""
    if request.method == "GET":
        form = WebComplaintForm(initial={"token": web.form_token_issue()})
        return render(request, "grievances/web/complaint.html", {"form": form})
    form = WebComplaintForm(request.POST)
    status = public_form_refused(request, form, "complaint", web.RESUME_PER_MINUTE)
    if status is None:
        data = form.cleaned_data
        try:
            services.grievance_submit(
                code=data["code"] or "",
                receipt=data["receipt"] or "",
                kind=data["kind"],
                body=data["body"],
                channel=GrievanceChannel.WEB,
                source=f"web:{web.source_of(public_form_client(request))}",
            )
        except ValidationError as error:
            form.add_error(None, error)
            status = 400
        else:
            language = translation.get_language() or "my"
            return render(
                request,
                "grievances/web/received.html",
                {"text": services.received_text(language)},
            )
    shown = public_form_with_token(form, blank=("receipt",))
    return render(request, "grievances/web/complaint.html", {"form": shown}, status=status)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _grievance(request: HttpRequest, public_id: str) -> Grievance:
    try:
        return selectors.grievance_get_for_user(
            user=request.user, public_id=public_id, request=request
        )
    except selectors.GrievanceNotFound:
        raise Http404() from None


def _to_detail(grievance: Grievance) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("grievances:detail", args=[grievance.public_id]))


@requires_role(*_ROLES)
def grievance_list(request: HttpRequest) -> HttpResponse:
    if not user_handles_grievances(request.user):
        raise refuse_in_view(request, "scope")
    show = request.GET.get("show", "open")
    rows = (
        selectors.grievances_visible_to(request.user)
        if show == "all"
        else selectors.grievances_open(user=request.user)
    )
    return render(
        request, "grievances/list.html", {"grievances": rows[:500], "show_all": show == "all"}
    )


@requires_role(*_ROLES)
def grievance_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    grievance = _grievance(request, public_id)
    audit_read(
        actor=request.user,
        target=grievance,
        fields=["body", "code_given", "answer", "note"],
        unit=grievance.hq_unit_id,
        request=request,
    )
    return render(
        request,
        "grievances/detail.html",
        {
            "grievance": grievance,
            "answer_form": AnswerForm(),
            "move_form": MoveForm(),
        },
    )


@requires_role(*_ROLES)
@require_POST
def grievance_answer(request: HttpRequest, public_id: str) -> HttpResponse:
    grievance = _grievance(request, public_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.as_text()))
        return _to_detail(grievance)
    try:
        sent = services.grievance_answer(
            actor=_user(request), grievance=grievance, text=form.cleaned_data["text"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            services.answer_outcome_text(sent=sent, tied=grievance.contact_id is not None),
        )
    return _to_detail(grievance)


@requires_role(*_ROLES)
@require_POST
def grievance_move(request: HttpRequest, public_id: str) -> HttpResponse:
    grievance = _grievance(request, public_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.as_text()))
        return _to_detail(grievance)
    try:
        services.grievance_move(
            actor=_user(request),
            grievance=grievance,
            target=form.cleaned_data["target"],
            note=form.cleaned_data["note"] or "",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _to_detail(grievance)
