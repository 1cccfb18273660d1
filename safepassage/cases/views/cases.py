"""The unit's cases: dashboard, list, search, a new case, the case page,
its status, notes and who works on it. Thin: load through a selector,
validate a form, call one service.

Every page that decrypts personal fields records an audited read naming
the fields shown (`audit_read`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_read
from safepassage.core.permissions import requires_role

from ..forms import CaseOpenForm, NoteForm, SearchForm, TransitionForm, transfer_targets
from ..models import Case, Priority
from ..pages import case_or_404 as _case_or_404
from ..pages import case_view, to_detail
from ..pages import staff as _staff
from ..policies import user_may_act_on_case
from ..screening import selectors as screening_selectors
from ..selectors.detail import assignable_staff, case_detail_context
from ..selectors.lists import case_page, unit_dashboard
from ..selectors.search import cases_search
from ..services.cases import case_assign, case_note_add, case_open, case_transition
from ..services.write import IllegalTransition, StaleCase
from ..workflow import Move, Status, move_for, needs_confirmation


def _labelled(rows: list[Case]) -> list[Case]:
    """Set `status_label` and `priority_label` on each row, translating each label once.

    `get_status_display()` translates every choice on every call (it hashes
    the lazy labels); on a page of 50 rows that was most of the page's time.
    """
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    for case in rows:
        case.status_label = statuses.get(case.status, case.status)  # type: ignore[attr-defined]
        case.priority_label = priorities.get(case.priority, "")  # type: ignore[attr-defined]
    return rows


@case_view
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    context = {
        **unit_dashboard(user=user),
        "details_waiting": screening_selectors.details_requests_waiting(user=user),
    }
    return render(request, "cases/dashboard.html", context)


@case_view
@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    page = case_page(
        user=_staff(request),
        status=request.GET.get("status", ""),
        before=request.GET.get("before", ""),
        unread=request.GET.get("unread") == "1",
    )
    statuses = [(value, str(label)) for value, label in Status.choices]
    return render(request, "cases/list.html", {"page": page, "statuses": statuses})


@case_view
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """The search box. The query travels in a POST body only, never in a
    URL: a URL lands in request logs, proxies' logs and the browser's
    history, and a query is a phone number or a person's name. Results
    are rendered in the POST's own response (no redirect carrying the
    query); a single exact match redirects to its case, by code. A GET
    shows the empty form, whatever its query string says."""
    form = SearchForm(request.POST if request.method == "POST" else None)
    results: list[Case] | None = None
    unreadable = 0
    if form.is_valid():
        query = form.cleaned_data["q"]
        found = cases_search(user=_staff(request), query=query, request=request)
        results, unreadable = found.cases, found.unreadable
        if len(results) == 1 and form.cleaned_data["kind"] != "name" and not unreadable:
            return to_detail(results[0])
        _labelled(results)
    return render(
        request,
        "cases/search.html",
        {"form": form, "results": results, "unreadable": unreadable},
    )


@case_view
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    form = CaseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_open(actor=_staff(request), unit=_staff(request).unit, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return to_detail(case)
    return render(request, "cases/new.html", {"form": form})


@case_view
@require_http_methods(["GET"])
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    context = case_detail_context(user=_staff(request), case=case)
    audit_read(
        actor=_staff(request),
        target=case,
        fields=context["fields_shown"],
        purpose="case_detail",
        unit=case.unit_id,
        request=request,
    )
    # The note, task and transfer forms are written out in the template
    # (NoteForm, TaskForm and TransferForm validate what they post).
    if context["may_transfer"]:
        context["transfer_units"] = transfer_targets(_staff(request))
    return render(request, "cases/detail.html", context)


@case_view
@require_POST
def transition(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = TransitionForm(request.POST)
    if form.is_valid():
        move = move_for(case.status, form.cleaned_data["target"])
        if (
            move is not None
            and needs_confirmation(move)
            and not form.cleaned_data["confirmed"]
            and user_may_act_on_case(_staff(request), case)
            and _staff(request).has_any_role(move.roles)
            and not (move.needs_reason and not form.cleaned_data["reason"].strip())
        ):
            return _confirm_move(request, case, move, form)
        try:
            case_transition(
                actor=_staff(request),
                case=case,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
            )
            messages.success(request, _("Status changed."))
        except (StaleCase, IllegalTransition) as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("The change could not be made. Check the form."))
    return to_detail(case)


def _confirm_move(
    request: HttpRequest, case: Case, move: Move, form: TransitionForm
) -> HttpResponse:
    """The page that asks before a move that is not easily undone. Nothing
    is written (the move, once confirmed, is audited by the service)."""
    statuses = dict(Status.choices)
    context = {
        "case": case,
        "move": move,
        "from_label": statuses.get(move.source, move.source),
        "to_label": statuses.get(move.target, move.target),
        "reason": form.cleaned_data["reason"],
        "expected_version": form.cleaned_data["expected_version"],
    }
    return render(request, "cases/transition_confirm.html", context)


@case_view
@require_POST
def note_add(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            case_note_add(
                actor=_staff(request),
                case=case,
                body=form.cleaned_data["body"],
                expected_version=form.cleaned_data["expected_version"],
            )
            messages.success(request, _("Note added."))
        except StaleCase as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("The note is empty or too long."))
    return to_detail(case)


@requires_role(Role.UNIT_HANDLER)
@require_POST
def assign(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    staff = assignable_staff(case=case)
    wanted = {str(pk) for pk in request.POST.getlist("users")}
    chosen = [user for user in staff if str(user.pk) in wanted]
    try:
        case_assign(actor=_staff(request), case=case, users=chosen)
        messages.success(request, _("Assignment saved."))
    except (ValidationError, PermissionDenied):
        messages.error(request, _("The assignment could not be saved."))
    return to_detail(case)
