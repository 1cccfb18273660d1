"""Offering a case to another unit, and that unit's answer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import TransferForm
from ..pages import case_or_404 as _case_or_404
from ..pages import case_view, to_detail
from ..pages import staff as _staff
from ..selectors.transfers import TransferNotFound, transfer_incoming_get_for_user
from ..services.transfers import case_transfer_accept, case_transfer_decline, case_transfer_request
from ..services.write import StaleCase


@case_view
@require_POST
def transfer_request(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = TransferForm(request.POST, user=_staff(request))
    if form.is_valid():
        try:
            case_transfer_request(
                actor=_staff(request),
                case=case,
                to_unit=form.cleaned_data["to_unit"],
                expected_version=form.cleaned_data["expected_version"],
            )
            messages.success(request, _("Transfer offered. The other unit must accept it."))
        except StaleCase as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            messages.error(request, _("You may not transfer this case."))
    else:
        messages.error(request, _("Choose a unit."))
    return to_detail(case)


@case_view
@require_POST
def transfer_answer(request: HttpRequest, transfer_id: int) -> HttpResponse:
    try:
        transfer = transfer_incoming_get_for_user(
            user=_staff(request), transfer_id=transfer_id, request=request
        )
    except TransferNotFound:
        raise Http404 from None
    try:
        if request.POST.get("answer") == "accept":
            case = case_transfer_accept(actor=_staff(request), transfer=transfer)
            messages.success(request, _("Case accepted."))
            return to_detail(case)
        case_transfer_decline(actor=_staff(request), transfer=transfer)
        messages.success(request, _("Transfer declined."))
    except (ValidationError, PermissionDenied):
        messages.error(request, _("This transfer cannot be answered."))
    return HttpResponseRedirect(reverse("cases:dashboard"))
