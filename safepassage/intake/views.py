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
from safepassage.cases.services import case_conversation_read
from safepassage.core.permissions import requires_role

from . import outbox, selectors, services
from .forms import (
    CannedReplyForm,
    HandOverForm,
    LinkCaseForm,
    NoteForm,
    ReplyForm,
    TriageForm,
)
from .models import Contact

intake_view = requires_role(Role.INTAKE_OPERATOR)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _contact_or_404(request: HttpRequest, pk: int) -> Contact:
    try:
        return selectors.contact_get_for_user(user=_user(request), pk=pk, request=request)
    except selectors.ContactNotFound:
        raise Http404 from None


@intake_view
@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/inbox.html", {"contacts": selectors.inbox(user=_user(request))})


def _contact_page(
    request: HttpRequest,
    contact: Contact,
    form: ReplyForm | None = None,
    township_query: str = "",
) -> HttpResponse:
    conversation = selectors.conversation_whole(root=contact, actor=_user(request))
    pending = selectors.replies_pending(contact=contact)
    notes = selectors.notes(contact=contact)
    audit_read(
        actor=_user(request),
        target=contact,
        fields=["messages", "replies", "answers", "notes"],
        purpose="intake_conversation",
        request=request,
    )
    services.messages_mark_read(contact=contact, messages=conversation)
    answers = selectors.answers_shown(contact=contact)
    township_query = township_query or answers.township
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
            "answers": answers,
            "notes": notes,
            "note_form": NoteForm(),
            "canned_form": CannedReplyForm(),
            "link_form": LinkCaseForm(),
            "channels": selectors.conversation_channels(root=contact),
        },
        status=400 if form is not None and form.errors else 200,
    )


@intake_view
@require_http_methods(["GET"])
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact_page(request, _contact_or_404(request, pk))


@intake_view
@require_POST
def contact_route(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversation again, with units near the township typed. A POST
    rendered in place: the township is where the person is, and must not
    travel in a URL (request logs, history)."""
    contact = _contact_or_404(request, pk)
    township_query = request.POST.get("township", "").strip()[:100]
    return _contact_page(request, contact, township_query=township_query)


def _reply_posted(request: HttpRequest, contact: Contact) -> ReplyForm | None:
    """Queue the posted reply; None when queued, else the form with its errors."""
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
            return None
    return form


@intake_view
@require_POST
def contact_reply(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    form = _reply_posted(request, contact)
    if form is None:
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


@intake_view
@require_POST
def contact_note(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.contact_note_add(
            actor=_user(request), contact=contact, body=form.cleaned_data["note"]
        )
        messages.success(request, _("Note saved."))
    else:
        messages.error(request, _("The note is empty or too long."))
    return HttpResponseRedirect(reverse("inbox:contact", kwargs={"pk": contact.pk}))


@intake_view
@require_POST
def contact_canned_reply(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    form = CannedReplyForm(request.POST)
    if form.is_valid():
        canned = form.cleaned_data["canned"]
        outbox.reply_queue(
            actor=_user(request), contact=contact, body=canned.body_for(contact.language)
        )
        messages.success(request, _("Reply queued."))
    else:
        messages.error(request, _("Choose a prepared reply."))
    return HttpResponseRedirect(reverse("inbox:contact", kwargs={"pk": contact.pk}))


@intake_view
@require_POST
def contact_link_case(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    form = LinkCaseForm(request.POST)
    if form.is_valid():
        try:
            case = services.contact_link_case(
                actor=_user(request), contact=contact, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            # The case's unit is not named: the operator may not see that unit's cases.
            messages.success(request, _("Joined to case %(code)s.") % {"code": case.code})
            return HttpResponseRedirect(reverse("inbox:list"))
    else:
        messages.error(request, _("Write a case code."))
    return HttpResponseRedirect(reverse("inbox:contact", kwargs={"pk": contact.pk}))


case_conversation_view = requires_role(Role.UNIT_HANDLER, Role.INTAKE_OPERATOR)


def _case_contact_or_404(request: HttpRequest, code: str) -> Contact:
    contact = selectors.contact_of_case(user=_user(request), code=code[:20], request=request)
    if contact is None:
        raise Http404
    return contact


def _case_conversation_page(
    request: HttpRequest, contact: Contact, form: ReplyForm | None = None
) -> HttpResponse:
    conversation = selectors.conversation_whole(root=contact, actor=_user(request))
    audit_read(
        actor=_user(request),
        target=contact,
        fields=["messages", "answers"],
        purpose="case_conversation",
        unit=contact.case.unit if contact.case else None,
        request=request,
    )
    if contact.case is not None:
        case_conversation_read(actor=_user(request), case=contact.case)
    return render(
        request,
        "intake/case_conversation.html",
        {
            "contact": contact,
            "case": contact.case,
            "conversation": conversation,
            "answers": selectors.answers_shown(contact=contact),
            "pending": selectors.replies_pending(contact=contact),
            "form": form or ReplyForm(),
            "channels": selectors.conversation_channels(root=contact),
        },
        status=400 if form is not None and form.errors else 200,
    )


@case_conversation_view
@require_http_methods(["GET"])
def case_conversation(request: HttpRequest, code: str) -> HttpResponse:
    """The receiving unit reads the conversation of a case it holds."""
    return _case_conversation_page(request, _case_contact_or_404(request, code))


@case_conversation_view
@require_POST
def case_conversation_reply(request: HttpRequest, code: str) -> HttpResponse:
    contact = _case_contact_or_404(request, code)
    form = _reply_posted(request, contact)
    if form is None:
        return HttpResponseRedirect(reverse("inbox:case_conversation", kwargs={"code": code}))
    return _case_conversation_page(request, contact, form)
