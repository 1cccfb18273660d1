"""The screening officer's pages: the screening panel, decisions, proposed
duplicates, and cross-unit details requests. Thin: load through a
selector, validate a form, call one service; every decrypted look is
audited before the page renders.
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
from safepassage.audit.services import audit_read, audit_record
from safepassage.core.permissions import requires_role

from ..models import Case, DetailsAnswer, DuplicateProposal
from ..pages import case_or_404 as _case_or_404
from ..pages import staff as _staff
from ..policies import SCREENING_VIEWERS, user_may_act_on_case
from ..services.write import StaleCase
from . import selectors, services
from .forms import DetailsAnswerForm, DetailsRequestForm, ScreeningDecisionForm


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
        except StaleCase as exc:
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
