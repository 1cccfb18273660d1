"""Case pages. Thin: load through a selector, validate a form, call one service.

Every page that decrypts personal fields records an audited read naming
the fields shown (`audit_read`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_read
from safepassage.core.permissions import requires_role
from safepassage.core.uploads import upload_dropped

from . import selectors, services
from .forms import (
    CaseOpenForm,
    NoteForm,
    PersonForm,
    SearchForm,
    ServiceRecordForm,
    TaskForm,
    TownshipInput,
    TransferForm,
    TransitionForm,
    township_label,
    transfer_targets,
)
from .models import Case, Priority
from .pages import case_or_404 as _case_or_404
from .pages import staff as _staff
from .policies import CASE_ROLES, PERSON_EDITORS, user_may_act_on_case
from .screening import selectors as screening_selectors
from .workflow import Move, Status, move_for, needs_confirmation

case_view = requires_role(*CASE_ROLES)


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


def _to_detail(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:detail", kwargs={"code": case.code}))


@case_view
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    context = {
        **selectors.unit_dashboard(user=user),
        "details_waiting": screening_selectors.details_requests_waiting(user=user),
    }
    return render(request, "cases/dashboard.html", context)


@case_view
@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    page = selectors.case_page(
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
        found = selectors.cases_search(user=_staff(request), query=query, request=request)
        results, unreadable = found.cases, found.unreadable
        if len(results) == 1 and form.cleaned_data["kind"] != "name" and not unreadable:
            return _to_detail(results[0])
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
            case = services.case_open(
                actor=_staff(request), unit=_staff(request).unit, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _to_detail(case)
    return render(request, "cases/new.html", {"form": form})


@case_view
@require_http_methods(["GET"])
def person_photo(request: HttpRequest, code: str) -> HttpResponse:
    """The person's photo, decrypted for this response only; the read is audited."""
    case = _case_or_404(request, code)
    photo = selectors.person_photo(case=case)
    if photo is None:
        raise Http404
    content = photo.read()
    audit_read(
        actor=_staff(request),
        target=case,
        fields=["photo"],
        purpose="person_photo",
        unit=case.unit_id,
        request=request,
    )
    response = HttpResponse(content, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    return response


@case_view
@require_http_methods(["GET"])
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    context = selectors.case_detail_context(user=_staff(request), case=case)
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


@requires_role(*PERSON_EDITORS)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    if request.method == "POST":
        registering = not selectors.case_has_person(case=case)
        form = PersonForm(request.POST, request.FILES)
        if upload_dropped(request, "photo"):
            form.add_error("photo", _("The photo is larger than 5 MB."))
        if form.is_valid():
            try:
                services.person_save(
                    actor=_staff(request),
                    case=case,
                    data=form.cleaned_data,
                    phones=form.cleaned_data["phones"],
                    expected_version=form.cleaned_data["expected_version"],
                )
            except services.StaleCase as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved."))
                if registering:  # screen a newly registered person at once
                    return HttpResponseRedirect(
                        reverse("cases:screening", kwargs={"code": case.code})
                    )
                return _to_detail(case)
    else:
        initial = selectors.person_initial(case=case)
        if initial:  # nothing decrypted for a case without a person yet
            audit_read(
                actor=_staff(request),
                target=case,
                fields=sorted(initial),
                purpose="person_edit",
                unit=case.unit_id,
                request=request,
            )
        form = PersonForm(initial={**initial, "expected_version": case.version})
    has_photo = selectors.person_photo(case=case) is not None
    if not has_photo:
        del form.fields["photo_remove"]
    return render(
        request, "cases/person_form.html", {"case": case, "form": form, "has_photo": has_photo}
    )


@requires_role(*PERSON_EDITORS)
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, code: str) -> HttpResponse:
    """What the person left: unit type and number, batch, rank (encrypted)."""
    case = _case_or_404(request, code)
    if request.method == "POST":
        form = ServiceRecordForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.service_record_save(
                    actor=_staff(request),
                    case=case,
                    category=data["category"],
                    stage=data["stage"],
                    rank=data["rank_term"],
                    unit_left=data["unit_left"],
                    unit_left_text=data["unit_left_text"],
                    expected_version=data["expected_version"],
                )
            except services.StaleCase as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved."))
                return _to_detail(case)
    else:
        initial = selectors.service_initial(case=case)
        if initial:
            audit_read(
                actor=_staff(request),
                target=case,
                fields=["rank", "unit_left", "unit_left_text"],
                purpose="service_edit",
                unit=case.unit_id,
                request=request,
            )
        form = ServiceRecordForm(initial={**initial, "expected_version": case.version})
    return render(request, "cases/service_form.html", {"case": case, "form": form})


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
            services.case_transition(
                actor=_staff(request),
                case=case,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
            )
            messages.success(request, _("Status changed."))
        except (services.StaleCase, services.IllegalTransition) as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("The change could not be made. Check the form."))
    return _to_detail(case)


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
            services.case_note_add(
                actor=_staff(request),
                case=case,
                body=form.cleaned_data["body"],
                expected_version=form.cleaned_data["expected_version"],
            )
            messages.success(request, _("Note added."))
        except services.StaleCase as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("The note is empty or too long."))
    return _to_detail(case)


@case_view
@require_POST
def transfer_request(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = TransferForm(request.POST, user=_staff(request))
    if form.is_valid():
        try:
            services.case_transfer_request(
                actor=_staff(request),
                case=case,
                to_unit=form.cleaned_data["to_unit"],
                expected_version=form.cleaned_data["expected_version"],
            )
            messages.success(request, _("Transfer offered. The other unit must accept it."))
        except services.StaleCase as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            messages.error(request, _("You may not transfer this case."))
    else:
        messages.error(request, _("Choose a unit."))
    return _to_detail(case)


@case_view
@require_POST
def transfer_answer(request: HttpRequest, transfer_id: int) -> HttpResponse:
    try:
        transfer = selectors.transfer_incoming_get_for_user(
            user=_staff(request), transfer_id=transfer_id, request=request
        )
    except selectors.TransferNotFound:
        raise Http404 from None
    try:
        if request.POST.get("answer") == "accept":
            case = services.case_transfer_accept(actor=_staff(request), transfer=transfer)
            messages.success(request, _("Case accepted."))
            return _to_detail(case)
        services.case_transfer_decline(actor=_staff(request), transfer=transfer)
        messages.success(request, _("Transfer declined."))
    except (ValidationError, PermissionDenied):
        messages.error(request, _("This transfer cannot be answered."))
    return HttpResponseRedirect(reverse("cases:dashboard"))


@case_view
@require_POST
def task_add(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            services.task_create(actor=_staff(request), case=case, **form.cleaned_data)
            messages.success(request, _("Task added."))
        except (ValidationError, PermissionDenied):
            messages.error(request, _("The task could not be added."))
    else:
        messages.error(request, _("A task needs a title, and a due date as year-month-day."))
    return _to_detail(case)


@case_view
@require_POST
def task_done(request: HttpRequest, code: str, task_id: int) -> HttpResponse:
    case = _case_or_404(request, code)
    task = case.tasks.filter(pk=task_id).first()
    if task is None:
        raise Http404
    try:
        services.task_complete(actor=_staff(request), task=task)
        messages.success(request, _("Task done."))
    except (ValidationError, PermissionDenied):
        messages.error(request, _("This task cannot be marked done."))
    return _to_detail(case)


@requires_role(Role.UNIT_HANDLER)
@require_POST
def assign(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    staff = selectors.assignable_staff(case=case)
    wanted = {str(pk) for pk in request.POST.getlist("users")}
    chosen = [user for user in staff if str(user.pk) in wanted]
    try:
        services.case_assign(actor=_staff(request), case=case, users=chosen)
        messages.success(request, _("Assignment saved."))
    except (ValidationError, PermissionDenied):
        messages.error(request, _("The assignment could not be saved."))
    return _to_detail(case)


@requires_role(*PERSON_EDITORS)
@require_POST
def township_suggest(request: HttpRequest) -> HttpResponse:
    """Townships matching what is typed in the person form (an htmx fragment).

    POST, like the search: what is typed is the person's home township."""
    from safepassage.geo.selectors import township_search

    query = request.POST.get("home_township", "").strip()[:100]
    matches = township_search(query, limit=6) if query else []
    return render(request, "cases/_township_suggestions.html", {"matches": matches, "query": query})


@requires_role(*PERSON_EDITORS)
@require_POST
def township_pick(request: HttpRequest) -> HttpResponse:
    """The township box again, filled with the chosen township (an htmx
    fragment). POST: the place code chosen is the person's township."""
    from safepassage.geo.selectors import township_by_pcode

    township = township_by_pcode(request.POST.get("pcode", "")[:20])
    if township is None:
        raise Http404
    widget = TownshipInput(attrs={"id": "id_home_township", "maxlength": "100"})
    html = widget.render("home_township", township_label(township.pcode, township.name_en))
    return HttpResponse(html)
