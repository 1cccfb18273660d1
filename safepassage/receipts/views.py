"""The receipt page (phone and print) and the staff verify page."""

from __future__ import annotations

from typing import cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record
from safepassage.core.permissions import staff_view

from . import selectors
from .forms import VerifyForm
from .services import receipt_check


@staff_view
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    user = cast(User, request.user)
    try:
        receipt = selectors.receipt_get_for_user(user=user, number=number)
    except selectors.ReceiptNotFound as exc:
        other = exc.args[0] if exc.args else None
        if other is not None:
            audit_record(
                actor=user,
                action="receipts.access_refused",
                target=other,
                unit=other.unit_id,
                request=request,
            )
        raise Http404 from None
    audit_record(
        actor=user, action="receipts.viewed", target=receipt, unit=receipt.unit_id, request=request
    )
    response = render(request, "receipts/detail.html", {"view": selectors.receipt_view(receipt)})
    response["Cache-Control"] = "no-store"
    return response


@staff_view
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        verdict = receipt_check(form.cleaned_data["text"])
        audit_record(
            actor=request.user,
            action="receipts.checked",
            request=request,
            details={"status": str(verdict.status), "key": verdict.key_id[:36] or None},
        )
    return render(request, "receipts/verify.html", {"form": form, "verdict": verdict})
