"""The public web form at /contact/ (no sign-in, no JavaScript, nothing
from a third party). Thin: form, `web` service, template. Every page is
no-store (the security middleware); the receipt appears once, in the
response to the form that made it, and is never stored.

Nothing here sets a cookie before the person submits a form, and every
cookie it sets lasts the browser session and is cleared by Leave. So
these views do not use Django's CSRF cookie; a post is accepted only from
a page of this site (`_cross_site`: Sec-Fetch-Site, else Origin, else
Referer), and the conversation's forms also carry `web.session_guard` of
the session (docs/security.md, "The public web form")."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from safepassage.audit.services import audit_read
from safepassage.core.permissions import public
from safepassage.core.views import csrf_failure

from . import selectors, web
from .forms import WebContactForm, WebResumeForm, WebWriteForm
from .models import Contact
from .prompts import prompt_choices_open
from .resuming import ResumeOutcome

View = Callable[..., HttpResponse]

REFUSALS = {
    "too_fast": 400,
    "expired": 400,
    "bad_token": 400,
    "used": 400,
    "busy": 429,
    "write_busy": 429,
    "write_full": 429,
}
COOKIE_PATH = "/contact/"


def _refusal_text(reason: str) -> str:
    if reason == "busy":
        return _("Too many messages right now. Please try again in a minute.")
    if reason == "too_fast":
        return _("Please take a moment to read the form, then send it again.")
    if reason == "write_busy":
        return _(
            "You have sent several messages in a short time. Your message is below: "
            "please wait a minute, then send it again."
        )
    if reason == "write_full":
        return _(
            "This conversation has received many messages today. Your message is "
            "below: please send it again tomorrow, or write to us on Telegram or Messenger."
        )
    return _("This form is out of date. Please send it again.")


def _cross_site(request: HttpRequest) -> bool:
    """True unless the post comes from a page of this site. Browsers say so
    in Sec-Fetch-Site, or else in Origin; a browser that sends neither must
    send a Referer of this site. The test client skips this, as it skips
    Django's own CSRF check (`Client(enforce_csrf_checks=True)` does not)."""
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return False
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    here = f"{request.scheme}://{request.get_host()}"
    origins = {here, *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        return origin not in origins
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    return f"{referer.scheme}://{referer.netloc}" not in origins


def same_site_posts(view: View) -> View:
    """Instead of Django's cookie-based CSRF check: refuse a cross-site post."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and _cross_site(request):
            return csrf_failure(request, reason="cross-site post to /contact/")
        return view(request)

    return csrf_exempt(wrapped)


def public_form_client(request: HttpRequest) -> str:
    """The client's address for the per-source budget: REMOTE_ADDR, or the
    header a trusted reverse proxy sets (INTAKE_WEB_CLIENT_HEADER); behind
    a proxy without it, every request shares the proxy's address."""
    header = settings.INTAKE_WEB_CLIENT_HEADER
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", ""))


def public_form_refused(
    request: HttpRequest,
    form: WebContactForm | WebResumeForm,
    kind: str,
    shared: int,
    ahead: Callable[[], bool] | None = None,
) -> int | None:
    """None when the posted form is valid and within the flood guards;
    otherwise the status to answer with (the form holds the message). The
    budgets are counted before the token is spent, so a refused flood does
    not burn genuine tokens. A form for which `ahead()` is true passes
    ahead of the budgets (a resume whose receipt passes the cheap filter)."""
    if not form.is_valid():
        return 400
    try:
        if ahead is None or not ahead():
            web.budget_take(kind, source=web.source_of(public_form_client(request)), shared=shared)
        web.form_token_accept(form.cleaned_data["token"])
    except web.FormRefused as refused:
        form.add_error(None, _refusal_text(refused.reason))
        return REFUSALS[refused.reason]
    return None


def public_form_language(view: View) -> View:
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


def public_form_with_token(form: GuardedForm, *, blank: tuple[str, ...] = ()) -> GuardedForm:
    """The form as posted, with a fresh token (the old one is spent) and
    the `blank` fields emptied (never echo a secret back)."""
    data = cast(QueryDict, form.data).copy()
    data["token"] = web.form_token_issue()
    for name in blank:
        data[name] = ""
    form.data = data
    return form


@public
@same_site_posts
@require_http_methods(["GET", "POST"])
@public_form_language
def contact_start(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = WebContactForm(initial={"token": web.form_token_issue()})
        return render(request, "intake/web/start.html", {"form": form})
    form = WebContactForm(request.POST)
    status = public_form_refused(request, form, "new", settings.INTAKE_WEB_NEW_PER_MINUTE)
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
    return render(
        request, "intake/web/start.html", {"form": public_form_with_token(form)}, status=status
    )


def _sign_in(response: HttpResponse, root: Contact) -> None:
    """The session cookie: no Max-Age, so the browser forgets it when it
    closes; the server ends it after `web.RESUME_SECONDS` or at Leave."""
    response.set_cookie(
        web.COOKIE,
        web.web_session_open(root=root),
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


@public
@same_site_posts
@require_http_methods(["GET", "POST"])
@public_form_language
def contact_resume(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = WebResumeForm(initial={"token": web.form_token_issue()})
        return render(request, "intake/web/resume.html", {"form": form})
    form = WebResumeForm(request.POST)
    status = public_form_refused(
        request,
        form,
        "resume",
        web.RESUME_PER_MINUTE,
        ahead=lambda: web.web_resume_ahead(
            code=form.cleaned_data["code"], receipt=form.cleaned_data["receipt"]
        ),
    )
    if status is None:
        result = web.web_resume(
            code=form.cleaned_data["code"],
            receipt=form.cleaned_data["receipt"],
            client=web.source_of(public_form_client(request)),
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
    form = public_form_with_token(form, blank=("receipt",))
    return render(request, "intake/web/resume.html", {"form": form}, status=status)


@public
@same_site_posts
@require_http_methods(["GET", "POST"])
@public_form_language
def contact_conversation(request: HttpRequest) -> HttpResponse:
    token = request.COOKIES.get(web.COOKIE, "")
    root = selectors.web_conversation_root(token=token)
    if root is None:
        response = HttpResponseRedirect(reverse("contact:resume"))
        if token:
            _forget(response)
        return response
    if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        # The person's language from the conversation (a Burmese Telegram
        # chat reads on in Burmese), unless they chose one on these pages.
        translation.activate(root.language or "my")
        request.LANGUAGE_CODE = translation.get_language()
    form = WebWriteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not web.session_guard_valid(token, request.POST.get("guard")):
            return csrf_failure(request, reason="no session guard")
        status = 400
        if form.is_valid():
            try:
                web.write_admit(root=root)
            except web.FormRefused as refused:
                form.add_error(None, _refusal_text(refused.reason))
                status = REFUSALS[refused.reason]
            else:
                web.web_message_write(root=root, text=form.cleaned_data["message"])
                return HttpResponseRedirect(reverse("contact:conversation"))
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
        {
            "root": root,
            "conversation": messages,
            "form": form,
            "guard": web.session_guard(token),
            "choices": prompt_choices_open(root),
        },
        status=status,
    )


@public
@same_site_posts
@require_POST
def contact_answer(request: HttpRequest) -> HttpResponse:
    """A choice of an open prompt (`prompts.py`), pressed on the web form:
    the web's buttons. A choice not open (stale, forged) changes nothing
    and answers 400; the conversation's write limits apply."""
    token = request.COOKIES.get(web.COOKIE, "")
    root = selectors.web_conversation_root(token=token)
    if root is None:
        return HttpResponseRedirect(reverse("contact:resume"))
    if not web.session_guard_valid(token, request.POST.get("guard")):
        return csrf_failure(request, reason="no session guard")
    try:
        web.write_admit(root=root)
    except web.FormRefused as refused:
        return HttpResponse(_refusal_text(refused.reason), status=REFUSALS[refused.reason])
    payload = request.POST.get("choice", "")
    if not isinstance(payload, str) or not web.web_prompt_answer(root=root, payload=payload[:64]):
        return HttpResponse(_("This choice is no longer open."), status=400)
    return HttpResponseRedirect(reverse("contact:conversation"))


def _forget(response: HttpResponse) -> None:
    """Expire every cookie the public pages may have left (Max-Age=0):
    the session, the language chosen there, and a CSRF cookie from a
    staff page or an older version."""
    response.delete_cookie(web.COOKIE, path=COOKIE_PATH, samesite="Strict")
    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=COOKIE_PATH, samesite="Strict")
    response.delete_cookie(
        settings.CSRF_COOKIE_NAME, domain=settings.CSRF_COOKIE_DOMAIN, samesite="Strict"
    )


@public
@same_site_posts
@require_POST
def contact_leave(request: HttpRequest) -> HttpResponse:
    web.web_session_end(token=request.COOKIES.get(web.COOKIE))
    response = HttpResponseRedirect(reverse("contact:start"))
    _forget(response)
    return response


@public
@same_site_posts
@require_POST
def contact_language(request: HttpRequest) -> HttpResponse:
    """The language switch of the public pages: a session-length cookie
    scoped to /contact/ (Django's `set_language` needs a CSRF cookie, and
    its cookie covers the whole site)."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "")
    if not target.startswith(COOKIE_PATH) or "//" in target or "\\" in target:
        target = reverse("contact:start")
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            path=COOKIE_PATH,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    return response
