"""Armoury pages. Thin: load through a selector, validate a form, call one
service. Pages that decrypt (serials, places, photos) audit the read."""

from __future__ import annotations

from typing import Any, cast

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
from safepassage.cases.models import Case
from safepassage.cases.selectors import CaseNotFound, case_get_for_user
from safepassage.core.permissions import refuse_in_view, requires_role
from safepassage.core.uploads import upload_dropped
from safepassage.vault.fields import PendingFile

from . import exports, selectors, services
from .forms import (
    AlertForm,
    CountForm,
    ExportForm,
    ItemForm,
    MoveForm,
    PayForm,
    ReasonForm,
    ScheduleForm,
)
from .models import Claim, Condition, CustodyState, Item
from .policies import (
    ALERT_ROLES,
    ARMOURY_ROLES,
    FINANCE_ROLES,
    RECORDERS,
    may_keep_schedule,
    may_propose,
    may_see_alerts,
)
from .pricing import to_major
from .workflow import ClaimStatus

armoury_view = requires_role(*ARMOURY_ROLES)


def _staff(request: HttpRequest) -> User:
    return cast(User, request.user)


def _case(request: HttpRequest, code: str) -> Case:
    try:
        return case_get_for_user(user=_staff(request), code=code, request=request)
    except CaseNotFound:
        raise Http404 from None


def _refused(request: HttpRequest, other: Claim | Item | None) -> None:
    """Audit a refused look-up of another unit's existing object."""
    if other is not None:
        audit_record(
            actor=_staff(request),
            action="armoury.access_refused",
            target=other,
            unit=other.unit_id,
            request=request,
        )


def _to_case(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("armoury:case", kwargs={"code": case.code}))


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@armoury_view
@require_http_methods(["GET"])
def unit_armoury(request: HttpRequest) -> HttpResponse:
    before = request.GET.get("before", "")
    armoury = selectors.unit_armoury(
        user=_staff(request), before=int(before) if before.isdigit() else None
    )
    # Labels translated once per page, not once per row (a choice's
    # get_*_display translates every label on every call).
    conditions = {value: str(label) for value, label in Condition.choices}
    states = {value: str(label) for value, label in CustodyState.choices}
    for item in armoury.held:
        item.condition_label = conditions.get(item.condition, "")  # type: ignore[attr-defined]
        item.state_label = states.get(item.state, "")  # type: ignore[attr-defined]
    for move in [*armoury.moves_in, *armoury.moves_out]:
        move.state_label = states.get(move.to_state, "")  # type: ignore[attr-defined]
    context = {"armoury": armoury, "case_prefix": reverse("armoury:unit") + "cases/"}
    return render(request, "armoury/unit.html", context)


@armoury_view
@require_http_methods(["GET"])
def case_items(request: HttpRequest, code: str) -> HttpResponse:
    case = _case(request, code)
    user = _staff(request)
    rows = selectors.case_items(user=user, case=case)
    if rows:
        audit_read(
            actor=user,
            target=case,
            fields=["serial", "markings", "place"],
            purpose="armoury_case",
            unit=case.unit_id,
            request=request,
        )
    computation = selectors.case_computation(case=case)
    context = {
        "case": case,
        "rows": rows,
        "claims": selectors.case_claims(user=user, case=case),
        "computation": computation,
        "total": to_major(computation.total_minor, computation.currency or "MMK"),
        "may_record": user.has_any_role(RECORDERS),
        "may_propose": user.has_any_role({Role.REWARD_OFFICER}),
        "units": selectors.transfer_units(user=user),
    }
    return render(request, "armoury/case.html", context)


@requires_role(*RECORDERS)
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest, code: str) -> HttpResponse:
    case = _case(request, code)
    user = _staff(request)
    witnesses = selectors.unit_colleagues(unit_id=case.unit_id, user=user)
    form = ItemForm(request.POST or None, request.FILES or None, witnesses=witnesses)
    if request.method == "POST":
        if upload_dropped(request, "photo"):
            form.add_error("photo", _("The photo is larger than 5 MB."))
        if form.is_valid():
            data = form.cleaned_data
            photo = data.get("photo")
            try:
                item = services.item_record(
                    actor=user,
                    case=case,
                    kind=data["kind"],
                    condition=data["condition"],
                    quantity=data["quantity"],
                    witnessed_by=data["witness"],
                    received_at=data["received_at"],
                    serial=data["serial"],
                    markings=data["markings"],
                    model_name=data["model_name"],
                    calibre=data["calibre"],
                    place=data["place"],
                    photos=[PendingFile.from_file(photo)] if photo else [],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if item.duplicate_of_id:
                    messages.warning(
                        request,
                        _(
                            "This serial was recorded before. The item is registered but "
                            "earns no reward; headquarters has been alerted."
                        ),
                    )
                else:
                    messages.success(request, _("Item recorded."))
                return _to_case(case)
    return render(request, "armoury/item_form.html", {"case": case, "form": form})


@requires_role(*RECORDERS)
@require_POST
def item_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    try:
        item = selectors.item_get_for_user(user=user, pk=pk)
    except selectors.NotFound:
        _refused(request, selectors.refused_target(model=Item, pk=pk))
        raise Http404 from None
    form = MoveForm(request.POST)
    if form.is_valid():
        to_unit = None
        if form.cleaned_data["to_unit"]:
            to_unit = selectors.transfer_unit(pk=form.cleaned_data["to_unit"])
            if to_unit is None:
                messages.error(request, _("Choose another active unit."))
                return HttpResponseRedirect(reverse("armoury:unit"))
        try:
            services.custody_move(
                actor=user,
                item=item,
                target=form.cleaned_data["target"],
                to_unit=to_unit,
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Move recorded."))
        except ValidationError as exc:
            _errors(request, exc)
        except PermissionDenied:
            raise refuse_in_view(request, "holder") from None
    else:
        messages.error(request, _("The move could not be read."))
    return HttpResponseRedirect(reverse("armoury:case", kwargs={"code": item.case.code}))


@requires_role(*RECORDERS)
@require_http_methods(["GET", "POST"])
def count(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = CountForm(request.POST or None, items=selectors.count_items(user=user))
    if request.method == "POST" and form.is_valid():
        try:
            services.count_record(actor=user, found=form.found())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Count recorded; differences go to headquarters."))
            return HttpResponseRedirect(reverse("armoury:unit"))
    return render(request, "armoury/count.html", {"form": form})


@requires_role(Role.REWARD_OFFICER)
@require_POST
def claim_propose(request: HttpRequest, code: str) -> HttpResponse:
    case = _case(request, code)
    try:
        claim = services.claim_propose(actor=_staff(request), case=case)
    except ValidationError as exc:
        _errors(request, exc)
        return _to_case(case)
    messages.success(request, _("Claim proposed; a second person must approve it."))
    return HttpResponseRedirect(reverse("armoury:claim", kwargs={"pk": claim.pk}))


@requires_role(*FINANCE_ROLES)
@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    context = {
        "to_approve": selectors.approval_queue(user=user),
        "to_pay": selectors.claims_to_pay(user=user),
    }
    return render(request, "armoury/queue.html", context)


def _claim(request: HttpRequest, pk: int) -> Claim:
    try:
        return selectors.claim_get_for_user(user=_staff(request), pk=pk)
    except selectors.NotFound:
        _refused(request, selectors.refused_target(model=Claim, pk=pk))
        raise Http404 from None


@requires_role(*ARMOURY_ROLES)
@require_http_methods(["GET"])
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    user = _staff(request)
    pay_form = None
    if claim.status == ClaimStatus.APPROVED and may_propose(user, claim.unit_id):
        pay_form = PayForm(
            initial={"expected_version": claim.version},
            witnesses=_witnesses(claim.unit_id, user),
        )
    context = {
        "claim": claim,
        "pay_form": pay_form,
        "lines": selectors.claim_lines(claim=claim),
        "total": to_major(claim.total_minor, claim.currency),
        "computed": to_major(claim.computed_minor, claim.currency),
    }
    if claim.reason:
        audit_read(
            actor=_staff(request),
            target=claim,
            fields=["reason"],
            purpose="armoury_claim",
            unit=claim.unit_id,
            request=request,
        )
    return render(request, "armoury/claim.html", context)


@requires_role(Role.REWARD_OFFICER)
@require_POST
def claim_pay(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    user = _staff(request)
    form = PayForm(request.POST, witnesses=_witnesses(claim.unit_id, user))
    if not form.is_valid():
        messages.error(request, _("The payment could not be read."))
        return HttpResponseRedirect(reverse("armoury:claim", kwargs={"pk": pk}))
    data = form.cleaned_data
    try:
        receipt = services.claim_pay(
            actor=user,
            claim=claim,
            method=data["method"],
            witness=data["witness"],
            reference=data["reference"],
            family_member=data["family_member"],
            expected_version=data["expected_version"],
        )
    except ValidationError as exc:
        _errors(request, exc)
        return HttpResponseRedirect(reverse("armoury:claim", kwargs={"pk": pk}))
    except PermissionDenied:
        raise refuse_in_view(request, "claim_scope") from None
    messages.success(request, _("Paid. Print the receipt or show it on the phone."))
    return HttpResponseRedirect(reverse("receipts:detail", kwargs={"number": receipt.number}))


@requires_role(*RECORDERS)
@require_POST
def handover_receipt(request: HttpRequest, code: str) -> HttpResponse:
    case = _case(request, code)
    try:
        receipt = services.handover_receipt_issue(actor=_staff(request), case=case)
    except ValidationError as exc:
        _errors(request, exc)
        return _to_case(case)
    except PermissionDenied:
        raise refuse_in_view(request, "holder") from None
    return HttpResponseRedirect(reverse("receipts:detail", kwargs={"number": receipt.number}))


def _witnesses(unit_id: int, user: User) -> Any:
    return selectors.unit_colleagues(unit_id=unit_id, user=user)


@requires_role(*FINANCE_ROLES)
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The decision could not be read."))
        return HttpResponseRedirect(reverse("armoury:claim", kwargs={"pk": pk}))
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    version = form.cleaned_data["expected_version"]
    user = _staff(request)
    try:
        if action == "approve":
            services.claim_approve(actor=user, claim=claim, expected_version=version)
            messages.success(request, _("Claim approved."))
        elif action == "refuse":
            services.claim_refuse(actor=user, claim=claim, reason=reason, expected_version=version)
            messages.success(request, _("Claim refused."))
        else:
            services.claim_cancel(actor=user, claim=claim, reason=reason, expected_version=version)
            messages.success(request, _("Claim cancelled."))
    except ValidationError as exc:
        _errors(request, exc)
    except PermissionDenied:
        raise refuse_in_view(request, "claim_scope") from None
    return HttpResponseRedirect(reverse("armoury:claim", kwargs={"pk": pk}))


@requires_role(*ALERT_ROLES)
@require_http_methods(["GET"])
def alerts(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if not may_see_alerts(user):
        raise refuse_in_view(request, "headquarters")
    context = {
        "alerts": selectors.duplicate_alerts(user=user),
        "discrepancies": selectors.discrepancies_open(user=user),
    }
    return render(request, "armoury/alerts.html", context)


@requires_role(*ALERT_ROLES)
@require_POST
def alert_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    try:
        alert = selectors.alert_get_for_user(user=user, pk=pk)
    except selectors.NotFound:
        raise refuse_in_view(request, "headquarters") from None
    form = AlertForm(request.POST)
    if form.is_valid():
        try:
            services.alert_decide(actor=user, alert=alert, status=form.cleaned_data["status"])
            messages.success(request, _("Alert decided."))
        except ValidationError as exc:
            _errors(request, exc)
    return HttpResponseRedirect(reverse("armoury:alerts"))


@requires_role(*ALERT_ROLES)
@require_POST
def discrepancy_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    try:
        line = selectors.discrepancy_get_for_user(user=user, pk=pk)
    except selectors.NotFound:
        raise refuse_in_view(request, "headquarters") from None
    try:
        services.discrepancy_resolve(actor=user, line=line)
        messages.success(request, _("Discrepancy resolved."))
    except ValidationError as exc:
        _errors(request, exc)
    return HttpResponseRedirect(reverse("armoury:alerts"))


@requires_role(*FINANCE_ROLES)
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if not may_keep_schedule(user):
        raise refuse_in_view(request, "headquarters")
    form = ScheduleForm(request.POST or None, kinds=selectors.catalogue())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.schedule_version_create(
                actor=user,
                effective_from=data["effective_from"],
                currency=data["currency"],
                person_cap_minor=data["person_cap_minor"],
                hq_threshold_minor=data["hq_threshold_minor"],
                rates=data["rates"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("New schedule version saved."))
            return HttpResponseRedirect(reverse("armoury:schedule"))
    versions = selectors.schedule_versions()
    current = versions[0] if versions else None
    context = {
        "form": form,
        "versions": versions,
        "current": current,
        "rates": selectors.schedule_rates(version=current) if current else [],
    }
    return render(request, "armoury/schedule.html", context)


@requires_role(*FINANCE_ROLES)
@require_http_methods(["GET"])
def export(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "armoury/export.html", {"form": ExportForm()})
    what, fmt = form.cleaned_data["what"], form.cleaned_data["fmt"]
    header: tuple[str, ...]
    if what == "items":
        header, rows = exports.ITEM_HEADER, exports.item_rows(selectors.export_items(user=user))
    else:
        header, rows = exports.CLAIM_HEADER, exports.claim_rows(selectors.export_claims(user=user))
    if fmt == "csv":
        content, mime = exports.to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        content = exports.to_xlsx(header, rows)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit_record(
        actor=user,
        action="armoury.exported",
        unit=user.unit_id,
        details={"what": what, "format": fmt, "all_units": may_keep_schedule(user)},
        request=request,
    )
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="armoury-{what}.{fmt}"'
    return response
