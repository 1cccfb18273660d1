"""The intake operators' inbox. Thin: selector, form, service.

The inbox list shows no personal field; a conversation decrypts its
messages and records an audited read before it renders.
"""

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
from safepassage.audit.services import audit_read
from safepassage.core.permissions import requires_role

from . import outbox, selectors, services
from .forms import HandOverForm, ReplyForm, TriageForm
from .models import Contact

intake_view = requires_role(Role.INTAKE_OPERATOR)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _contact_or_404(request: HttpRequest, pk: int) -> Contact:
    try:
        return selectors.contact_get_for_user(user=_user(request), pk=pk)
    except selectors.ContactNotFound:
        raise Http404 from None


@intake_view
@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/inbox.html", {"contacts": selectors.inbox(user=_user(request))})


def _contact_page(
    request: HttpRequest, contact: Contact, form: ReplyForm | None = None
) -> HttpResponse:
    conversation = selectors.conversation(contact=contact)
    pending = selectors.replies_pending(contact=contact)
    audit_read(
        actor=_user(request),
        target=contact,
        fields=["messages", "replies"],
        purpose="intake_conversation",
        request=request,
    )
    township_query = request.GET.get("township", "")[:100]
    township, suggestions = selectors.routing_suggestions(township_query=township_query)
    return render(
        request,
        "intake/contact.html",
        {
            "contact": contact,
            "conversation": conversation,
            "pending": pending,
            "form": form or ReplyForm(),
            "triage_form": TriageForm(initial={"triage": contact.triage}),
            "township_query": township_query,
            "township": township,
            "suggestions": suggestions,
            "hand_over_form": HandOverForm(),
        },
        status=400 if form is not None and form.errors else 200,
    )


@intake_view
@require_http_methods(["GET"])
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact_page(request, _contact_or_404(request, pk))


@intake_view
@require_POST
def contact_reply(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            outbox.reply_queue(
                actor=_user(request), contact=contact, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            form.add_error("body", exc)
        else:
            messages.success(request, _("Reply queued."))
            return HttpResponseRedirect(reverse("inbox:contact", kwargs={"pk": contact.pk}))
    return _contact_page(request, contact, form)


@intake_view
@require_POST
def contact_triage(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    form = TriageForm(request.POST)
    if form.is_valid():
        services.contact_triage(
            actor=_user(request), contact=contact, triage=form.cleaned_data["triage"]
        )
        messages.success(request, _("Triage saved."))
    else:
        messages.error(request, _("Choose genuine, doubtful or probe."))
    return HttpResponseRedirect(reverse("inbox:contact", kwargs={"pk": contact.pk}))


@intake_view
@require_POST
def contact_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    form = HandOverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an active reception unit."))
        return HttpResponseRedirect(reverse("inbox:contact", kwargs={"pk": contact.pk}))
    try:
        case = services.contact_hand_over(
            actor=_user(request), contact=contact, unit=form.cleaned_data["unit"]
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return HttpResponseRedirect(reverse("inbox:contact", kwargs={"pk": contact.pk}))
    messages.success(
        request,
        _("Handed over to %(unit)s as case %(code)s.")
        % {"unit": case.unit.name, "code": case.code},
    )
    return HttpResponseRedirect(reverse("inbox:list"))
