"""The public web form at /contact/ (no sign-in, no JavaScript, nothing
from a third party). Thin: form, `web` service, template. Every page is
no-store (the security middleware); the receipt appears once, in the
response to the form that made it, and is never stored."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.audit.services import audit_read
from safepassage.core.permissions import public

from . import selectors, web
from .forms import WebContactForm, WebResumeForm, WebWriteForm
from .models import Contact
from .resuming import ResumeOutcome

View = Callable[..., HttpResponse]

REFUSALS = {
    "too_fast": 400,
    "expired": 400,
    "bad_token": 400,
    "used": 400,
    "busy": 429,
}


def _refusal_text(reason: str) -> str:
    if reason == "busy":
        return _("Too many messages right now. Please try again in a minute.")
    if reason == "too_fast":
        return _("Please take a moment to read the form, then send it again.")
    return _("This form is out of date. Please send it again.")


def _client(request: HttpRequest) -> str:
    """The client's address for the per-address budget: REMOTE_ADDR, or the
    header a trusted reverse proxy sets (INTAKE_WEB_CLIENT_HEADER); behind
    a proxy without it, every request shares the proxy's address."""
    header = settings.INTAKE_WEB_CLIENT_HEADER
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", ""))


def _refused(
    request: HttpRequest, form: WebContactForm | WebResumeForm, kind: str, limit: int
) -> int | None:
    """None when the posted form is valid and within the flood guards;
    otherwise the status to answer with (the form holds the message). The
    budgets are counted before the token is spent, so a refused flood does
    not burn genuine tokens."""
    if not form.is_valid():
        return 400
    try:
        web.throttle_take(kind, "all", limit)
        web.throttle_take(kind, _client(request), settings.INTAKE_WEB_PER_ADDRESS_PER_MINUTE)
        web.form_token_accept(form.cleaned_data["token"])
    except web.FormRefused as refused:
        form.add_error(None, _refusal_text(refused.reason))
        return REFUSALS[refused.reason]
    return None


def _person_language(view: View) -> View:
    """The public pages speak Burmese unless the person chose otherwise on
    them (the language cookie): a browser's own setting (Tor Browser says
    English to everyone) is not the person's choice."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            translation.activate("my")
            request.LANGUAGE_CODE = "my"
        return view(request, *args, **kwargs)

    return cast(View, wrapped)


GuardedForm = TypeVar("GuardedForm", WebContactForm, WebResumeForm)


def _with_token(form: GuardedForm, *, blank: tuple[str, ...] = ()) -> GuardedForm:
    """The form as posted, with a fresh token (the old one is spent) and
    the `blank` fields emptied (never echo a secret back)."""
    data = cast(QueryDict, form.data).copy()
    data["token"] = web.form_token_issue()
    for name in blank:
        data[name] = ""
    form.data = data
    return form


@public
@require_http_methods(["GET", "POST"])
@_person_language
def contact_start(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = WebContactForm(initial={"token": web.form_token_issue()})
        return render(request, "intake/web/start.html", {"form": form})
    form = WebContactForm(request.POST)
    status = _refused(request, form, "new", settings.INTAKE_WEB_NEW_PER_MINUTE)
    if status is None:
        opened = web.web_contact_open(
            answers=form.answers(),
            message=form.cleaned_data["message"] or "",
            language=translation.get_language() or "my",
        )
        response = render(
            request,
            "intake/web/receipt.html",
            {"code": opened.contact.code, "receipt": opened.receipt},
        )
        _sign_in(response, opened.contact)
        return response
    return render(request, "intake/web/start.html", {"form": _with_token(form)}, status=status)


def _sign_in(response: HttpResponse, root: Contact) -> None:
    response.set_cookie(
        web.COOKIE,
        web.resume_cookie_value(root),
        max_age=web.RESUME_SECONDS,
        path="/contact/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


@public
@require_http_methods(["GET", "POST"])
@_person_language
def contact_resume(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = WebResumeForm(initial={"token": web.form_token_issue()})
        return render(request, "intake/web/resume.html", {"form": form})
    form = WebResumeForm(request.POST)
    status = _refused(request, form, "resume", web.RESUME_PER_MINUTE)
    if status is None:
        result = web.web_resume(
            code=form.cleaned_data["code"],
            receipt=form.cleaned_data["receipt"],
            client=_client(request),
        )
        if result.root is not None:
            response = HttpResponseRedirect(reverse("contact:conversation"))
            _sign_in(response, result.root)
            return response
        if result.outcome == ResumeOutcome.WAIT:
            minutes = max(1, (result.wait_seconds + 59) // 60)
            form.add_error(
                None,
                _(
                    "Too many tries were made. Wait %(minutes)s minute(s), then send "
                    "the two numbers again."
                )
                % {"minutes": minutes},
            )
            status = 429
        else:
            form.add_error(None, _("The code and the numbers do not match. Try again later."))
            status = 403
    form = _with_token(form, blank=("receipt",))
    return render(request, "intake/web/resume.html", {"form": form}, status=status)


@public
@require_http_methods(["GET", "POST"])
@_person_language
def contact_conversation(request: HttpRequest) -> HttpResponse:
    root = selectors.web_conversation_root(web.resume_cookie_read(request.COOKIES.get(web.COOKIE)))
    if root is None:
        return HttpResponseRedirect(reverse("contact:resume"))
    form = WebWriteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        web.web_message_write(root=root, text=form.cleaned_data["message"])
        return HttpResponseRedirect(reverse("contact:conversation"))
    if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        # The person's language from the conversation (a Burmese Telegram
        # chat reads on in Burmese), unless they chose one on these pages.
        translation.activate(root.language or "my")
        request.LANGUAGE_CODE = translation.get_language()
    messages = selectors.conversation_whole(root=root)
    audit_read(
        actor=None,
        target=root,
        fields=["messages"],
        purpose="person_resumed_on_web",
        request=request,
    )
    return render(
        request,
        "intake/web/conversation.html",
        {"root": root, "conversation": messages, "form": form},
        status=400 if form.errors else 200,
    )


@public
@require_POST
def contact_leave(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(reverse("contact:start"))
    response.delete_cookie(web.COOKIE, path="/contact/", samesite="Strict")
    return response
