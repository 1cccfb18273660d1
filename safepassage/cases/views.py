"""Case pages. Thin: load through a selector, validate a form, call one service.

Every page that decrypts personal fields records an audited read naming
the fields shown (`audit_read`).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_read, audit_record
from safepassage.core.permissions import requires_role
from safepassage.core.uploads import upload_dropped

from . import selectors, services
from .forms import (
    CaseOpenForm,
    DetailsAnswerForm,
    DetailsRequestForm,
    NoteForm,
    PersonForm,
    ScreeningDecisionForm,
    SearchForm,
    ServiceRecordForm,
    TaskForm,
    TownshipInput,
    TransferForm,
    TransitionForm,
    township_label,
    transfer_targets,
)
from .models import Case, DetailsAnswer, DuplicateProposal, Priority
from .policies import CASE_ROLES, PERSON_EDITORS, SCREENING_VIEWERS, user_may_act_on_case
from .workflow import Move, Status, move_for, needs_confirmation

case_view = requires_role(*CASE_ROLES)


def _staff(request: HttpRequest) -> User:
    """The signed-in, verified user: every view here declares a case role."""
    return cast(User, request.user)


def _case_or_404(request: HttpRequest, code: str) -> Case:
    try:
        return selectors.case_get_for_user(user=_staff(request), code=code, request=request)
    except selectors.CaseNotFound:
        raise Http404 from None


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
    context = selectors.unit_dashboard(user=_staff(request))
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


def _screening_page(
    request: HttpRequest, case: Case, form: ScreeningDecisionForm | None = None
) -> HttpResponse:
    """The screening panel, every decrypted look audited before it renders."""
    user = _staff(request)
    screening = selectors.case_screening(user=user, case=case)
    if screening.has_person:
        shown = list(selectors.SCREENED_FIELDS)
        if screening.details_requests:
            shown.append("details_requests")
        audit_read(
            actor=user,
            target=case,
            fields=shown,
            purpose="screening_panel",
            unit=case.unit_id,
            request=request,
        )
    for row in screening.details_requests:  # the other unit's note, read by this one
        if row.request.reply_event is not None and row.request.reply_event.body:
            audit_read(
                actor=user,
                target=row.request.about_case,
                fields=["details_reply"],
                purpose="details_request",
                unit=row.request.about_case.unit_id,
                request=request,
            )
    duplicates = selectors.duplicate_proposals_for(user=user, case=case)
    surfaced = {m.case.pk: m.case for m in screening.matches if not m.visible}
    for proposed in duplicates:
        for other in proposed.others:
            if not user_may_act_on_case(user, other):
                surfaced[other.pk] = other
    for match in screening.matches:
        if match.visible:
            audit_read(
                actor=user,
                target=match.case,
                fields=["name_my", "name_latin"],
                purpose="screening_match",
                unit=match.case.unit_id,
                request=request,
            )
    for other in surfaced.values():  # the other unit's trail shows its case came up, and for whom
        audit_record(
            actor=user,
            action="cases.screening_surfaced",
            target=other,
            unit=other.unit_id,
            details={"screened_case": case.pk},
            request=request,
        )
    for hit in screening.watch_hits:
        audit_record(
            actor=user,
            action="watchlists.hit_shown",
            target=hit.watch_list,
            unit=hit.watch_list.unit_id,
            details={
                "screened_case": case.pk,
                "entry_id": hit.entry_id,
                "entry_shown": hit.entry is not None,
            },
            request=request,
        )
    may_decide = user.has_any_role({Role.SCREENING_OFFICER}) and screening.has_person
    if may_decide and form is None:
        form = ScreeningDecisionForm(initial={"expected_version": case.version})
    return render(
        request,
        "cases/screening.html",
        {
            "case": case,
            "screening": screening,
            "duplicates": duplicates,
            "form": form if may_decide else None,
        },
        status=400 if form is not None and form.errors else 200,
    )


@requires_role(*SCREENING_VIEWERS)
@require_http_methods(["GET"])
def screening(request: HttpRequest, code: str) -> HttpResponse:
    return _screening_page(request, _case_or_404(request, code))


@requires_role(Role.SCREENING_OFFICER)
@require_POST
def screening_decide(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = ScreeningDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.screening_decide(
                actor=_staff(request),
                case=case,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except services.StaleCase as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return HttpResponseRedirect(reverse("cases:screening", kwargs={"code": case.code}))
    return _screening_page(request, case, form)


@requires_role(Role.SCREENING_OFFICER)
@require_POST
def duplicate_decide(request: HttpRequest, code: str, proposal_id: int) -> HttpResponse:
    case = _case_or_404(request, code)
    proposal = DuplicateProposal.objects.filter(pk=proposal_id, cases=case).first()
    answer = request.POST.get("answer")
    if proposal is None:
        raise Http404
    if answer not in ("same", "different"):
        messages.error(request, _("Say whether these cases are the same person."))
    else:
        try:
            services.duplicate_decide(
                actor=_staff(request), proposal=proposal, same_person=answer == "same"
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("Decision recorded."))
    return HttpResponseRedirect(reverse("cases:screening", kwargs={"code": case.code}))


# ------------------------------------------------ cross-unit details requests


def _form_errors(form: DetailsRequestForm | DetailsAnswerForm) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def _to_panel(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:screening", kwargs={"code": case.code}))


@requires_role(Role.SCREENING_OFFICER)
@require_POST
def details_request_send(request: HttpRequest, code: str) -> HttpResponse:
    """Ask the unit owning a match on the panel whether it is the same person.
    The posted code is looked up only among the panel's current matches."""
    case = _case_or_404(request, code)
    form = DetailsRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _to_panel(case)
    user = _staff(request)
    try:
        about = selectors.details_request_target(
            user=user, case=case, code=form.cleaned_data["about"], request=request
        )
        services.details_request_send(
            actor=user, case=case, about=about, reason=form.cleaned_data["reason"]
        )
    except selectors.DetailsRequestRefused as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        messages.error(request, selectors.DetailsRequestRefused.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Request sent. The answer will appear here."))
    return _to_panel(case)


@requires_role(Role.SCREENING_OFFICER)
@require_POST
def details_request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _staff(request)
    sent = selectors.details_request_sent_get(user=user, pk=request_id, request=request)
    if sent is None:
        raise Http404
    try:
        services.details_request_withdraw(actor=user, details_request=sent)
        messages.success(request, _("Request withdrawn."))
    except (ValidationError, PermissionDenied):
        messages.error(request, _("This request is no longer open."))
    return _to_panel(sent.from_case)


@requires_role(Role.SCREENING_OFFICER)
@require_http_methods(["GET"])
def details_requests(request: HttpRequest) -> HttpResponse:
    """Requests to the user's unit (headquarters: to every unit). Each one
    shown is audited in the asking unit's trail: its reason, and for an
    open request the matcher's reasons, which quote its person's spellings."""
    user = _staff(request)
    rows = selectors.details_requests_incoming(user=user)
    for row in rows:
        fields = ["details_request_reason"]
        if row.explanation:
            fields += list(selectors.SCREENED_FIELDS)
        audit_read(
            actor=user,
            target=row.request.from_case,
            fields=fields,
            purpose="details_request",
            unit=row.request.from_case.unit_id,
            request=request,
        )
        about = row.request.about_case
        if about.unit_id != user.unit_id:  # headquarters reads another unit's case
            audit_read(
                actor=user,
                target=about,
                fields=["details_reply", *(selectors.SCREENED_FIELDS if row.explanation else ())],
                purpose="details_request",
                unit=about.unit_id,
                request=request,
            )
    return render(
        request,
        "cases/details_requests.html",
        {
            "rows": rows,
            "unreadable": rows.unreadable,
            "form": DetailsAnswerForm(),
            "answer_choices": DetailsAnswer.choices,
        },
    )


@requires_role(Role.SCREENING_OFFICER)
@require_POST
def details_request_answer(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _staff(request)
    incoming = selectors.details_request_incoming_get(user=user, pk=request_id, request=request)
    if incoming is None:
        raise Http404
    form = DetailsAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.details_request_answer(
                actor=user,
                details_request=incoming,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Answer sent."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            messages.error(request, _("You may not answer this request."))
    return HttpResponseRedirect(reverse("cases:details_requests"))
