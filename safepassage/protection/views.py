"""Protection pages, for protection officers only. Thin: load through a
selector (which scopes by unit and audits refusals), validate a form,
call one service. Every page that decrypts records an audited read."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_read, audit_record
from safepassage.cases import selectors as cases_selectors
from safepassage.cases import services as cases_services
from safepassage.cases.models import Case, FamilyMember
from safepassage.core.permissions import refuse_in_view, requires_role

from . import selectors, services
from .forms import (
    AssessmentForm,
    FamilyMemberForm,
    HouseEditForm,
    HouseForm,
    MeasureForm,
    MeasureMoveForm,
    PlacementForm,
)

officer_view = requires_role(Role.PROTECTION_OFFICER)


def _staff(request: HttpRequest) -> User:
    return cast(User, request.user)


def _case_or_404(request: HttpRequest, code: str) -> Case:
    try:
        return cases_selectors.case_get_for_user(user=_staff(request), code=code, request=request)
    except cases_selectors.CaseNotFound:
        raise Http404 from None


def _member_or_404(case: Case, member_id: int | None) -> FamilyMember | None:
    if member_id is None:
        return None
    member = cases_selectors.family_member_get(case=case, pk=member_id)
    if member is None:
        raise Http404
    return member


def _to_case(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("protection:case", kwargs={"code": case.code}))


def _errors(request: HttpRequest, error: ValidationError | services.ProtectionRefused) -> None:
    if isinstance(error, services.ProtectionRefused):
        messages.error(request, str(error))
    else:
        messages.error(request, " ".join(error.messages))


@officer_view
@require_http_methods(["GET"])
def case_protection(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    context = selectors.case_protection(user=_staff(request), case=case)
    audit_read(
        actor=_staff(request),
        target=case,
        fields=context["fields_shown"],
        purpose="protection_case",
        unit=case.unit_id,
        request=request,
    )
    members = [(m.pk, f"{m.relation}") for m in context["family"]]
    context["measure_form"] = MeasureForm(owners=context["owners"], members=members)
    return render(request, "protection/case.html", context)


@officer_view
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, code: str, member_id: int | None = None) -> HttpResponse:
    case = _case_or_404(request, code)
    member = _member_or_404(case, member_id)
    kinds = selectors.threat_kinds_active()
    form = AssessmentForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_record(
                actor=_staff(request),
                case=case,
                family_member=member,
                level=form.cleaned_data["level"],
                review_on=form.cleaned_data["review_on"],
                summary=form.cleaned_data["summary"],
                threats=form.threats(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Risk assessment recorded."))
            return _to_case(case)
    if member is not None:
        audit_read(
            actor=_staff(request),
            target=case,
            fields=["family"],
            purpose="protection_assess",
            unit=case.unit_id,
            request=request,
        )
    return render(request, "protection/assess.html", {"case": case, "member": member, "form": form})


@officer_view
@require_http_methods(["GET", "POST"])
def family_add(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = FamilyMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cases_services.family_member_save(actor=_staff(request), case=case, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Family member recorded."))
            return _to_case(case)
    return render(request, "protection/family_form.html", {"case": case, "form": form})


@officer_view
@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, code: str, member_id: int) -> HttpResponse:
    """Change what is recorded of a family member (the form shows it
    decrypted: an audited read)."""
    case = _case_or_404(request, code)
    member = cases_selectors.family_member_get(case=case, pk=member_id)
    if member is None:
        raise Http404
    initial = {
        "relation": member.relation or "",
        "name": member.name or "",
        "township": member.township or "",
        "risk_notes": member.risk_notes or "",
    }
    form = FamilyMemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cases_services.family_member_save(
                actor=_staff(request), case=case, member=member, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Family member changed."))
            return _to_case(case)
    audit_read(
        actor=_staff(request),
        target=case,
        fields=["family"],
        purpose="protection_family_edit",
        unit=case.unit_id,
        request=request,
    )
    return render(
        request, "protection/family_form.html", {"case": case, "form": form, "member": member}
    )


@officer_view
@require_POST
def measure_add(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    family = cases_selectors.case_family(case=case)
    form = MeasureForm(
        request.POST,
        owners=cases_selectors.assignable_staff(case=case),
        members=[(m.pk, str(m.pk)) for m in family],
    )
    if not form.is_valid():
        messages.error(request, _("The measure could not be recorded. Check the form."))
        return _to_case(case)
    member = _member_or_404(case, form.cleaned_data["family_member"])
    try:
        services.measure_create(
            actor=_staff(request),
            case=case,
            kind=form.cleaned_data["kind"],
            owner=form.cleaned_data["owner"],
            note=form.cleaned_data["note"],
            family_member=member,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Measure planned."))
    return _to_case(case)


@officer_view
@require_POST
def measure_move(request: HttpRequest, code: str, measure_id: int) -> HttpResponse:
    case = _case_or_404(request, code)
    measure = selectors.measure_get(case=case, pk=measure_id)
    if measure is None:
        raise Http404
    form = MeasureMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This change of state is not allowed."))
        return _to_case(case)
    try:
        services.measure_move(
            actor=_staff(request), measure=measure, target=form.cleaned_data["target"]
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Measure updated."))
    return _to_case(case)


@officer_view
@require_POST
def place(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = PlacementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a safe house."))
        return _to_case(case)
    try:
        house = selectors.house_get_for_user(
            user=_staff(request), pk=form.cleaned_data["house"], request=request
        )
    except selectors.HouseNotFound:
        raise Http404 from None
    try:
        services.placement_create(actor=_staff(request), case=case, house=house)
    except services.ProtectionRefused as refused:
        _errors(request, refused)
    else:
        messages.success(request, _("Placed in the safe house."))
    return _to_case(case)


@officer_view
@require_POST
def check_out(request: HttpRequest, code: str, placement_id: int) -> HttpResponse:
    case = _case_or_404(request, code)
    placement = selectors.placement_get(case=case, pk=placement_id)
    if placement is None:
        raise Http404
    try:
        services.placement_check_out(actor=_staff(request), placement=placement)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Checked out of the safe house."))
    return _to_case(case)


@officer_view
@require_http_methods(["GET"])
def houses(request: HttpRequest) -> HttpResponse:
    rows = selectors.house_list(user=_staff(request))
    if rows:  # the labels are decrypted: one audited read for the list
        audit_record(
            actor=_staff(request),
            action="protection.viewed",
            unit=_staff(request).unit_id,
            details={
                "fields": ["label"],
                "purpose": "protection_houses",
                "houses": [h.pk for h in rows[:32]],
                "count": len(rows),
            },
            request=request,
        )
    return render(request, "protection/houses.html", {"houses": rows})


@officer_view
@require_http_methods(["GET", "POST"])
def house_new(request: HttpRequest) -> HttpResponse:
    form = HouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            house = services.house_create(actor=_staff(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Safe house added."))
            return HttpResponseRedirect(reverse("protection:house", kwargs={"house_id": house.pk}))
    return render(request, "protection/house_form.html", {"form": form})


@officer_view
@require_http_methods(["GET"])
def house_detail(request: HttpRequest, house_id: int) -> HttpResponse:
    try:
        house = selectors.house_get_for_user(user=_staff(request), pk=house_id, request=request)
    except selectors.HouseNotFound:
        raise Http404 from None
    audit_read(
        actor=_staff(request),
        target=house,
        fields=["label", "location"],
        purpose="protection_house",
        unit=house.unit_id,
        request=request,
    )
    context = {"house": house, **selectors.house_placements(house=house)}
    return render(request, "protection/house.html", context)


@officer_view
@require_http_methods(["GET", "POST"])
def house_edit(request: HttpRequest, house_id: int) -> HttpResponse:
    """Only the house's own unit edits it (headquarters sees, does not edit)."""
    try:
        house = selectors.house_get_for_user(user=_staff(request), pk=house_id, request=request)
    except selectors.HouseNotFound:
        raise Http404 from None
    if house.unit_id != _staff(request).unit_id:
        raise refuse_in_view(request, "other_unit")
    form = HouseEditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.house_update(actor=_staff(request), house=house, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Safe house changed."))
            return HttpResponseRedirect(reverse("protection:house", kwargs={"house_id": house.pk}))
    if request.method == "GET":
        audit_read(
            actor=_staff(request),
            target=house,
            fields=["label", "location"],
            purpose="protection_house_edit",
            unit=house.unit_id,
            request=request,
        )
        form = HouseEditForm(
            initial={
                "label": house.label,
                "location": house.location,
                "capacity": house.capacity,
                "active": house.active,
            }
        )
    return render(request, "protection/house_form.html", {"form": form, "house": house})


@officer_view
@require_http_methods(["GET"])
def reviews(request: HttpRequest) -> HttpResponse:
    rows = selectors.reviews_due(user=_staff(request))
    return render(request, "protection/reviews.html", {"rows": rows})
