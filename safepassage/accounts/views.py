"""Sign-in, second factor, enrolment, backup codes, account page.

Flow: /accounts/login/ (password) -> /accounts/verify/ (authenticator or
backup code; or a passkey) -> the page asked for. A user without an
authenticator goes to /accounts/enrol/ instead of verify.

Changing the second factor (new backup codes, a replacement
authenticator, a new passkey) needs the password typed in this session
within REAUTH_WINDOW_SECONDS; otherwise the page sends the user to
/accounts/confirm-password/ first. A session left open, or taken, is not
enough to plant a second factor its holder controls.
"""

from __future__ import annotations

from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from safepassage.core.permissions import is_verified, public, second_factor_step, staff_view

from . import auditing, selectors, services
from .forms import (
    SIGN_IN_FAILED,
    LoginForm,
    OwnPasswordChangeForm,
    PasswordConfirmForm,
    SecondFactorForm,
    TOTPConfirmForm,
)
from .middleware import password_given, password_recent, session_start
from .models import BackupCodeDevice, User
from .roles import Role


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if len(candidate) > 2000:
        return ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _user_for_username(username: object) -> User | None:
    """The account a failed attempt named, for the audit event, or None.

    NUL cannot be in a username, and PostgreSQL refuses it in a query.
    """
    if not isinstance(username, str) or not username or len(username) > 150:
        return None
    if "\x00" in username:
        return None
    return User.objects.filter(username=username).first()


def sign_in_failed(request: HttpRequest) -> HttpResponse:
    """The one page shown for every failed or refused sign-in."""
    context = {"form": LoginForm(request), "failed": True, "failure_message": SIGN_IN_FAILED}
    return render(request, "accounts/login.html", context, status=403)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: identical to a failed sign-in; ends a half session."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username")
    target = _user_for_username(username)
    auditing.record(
        "locked_out",
        actor=request.user,
        target=target,
        unit=target.unit if target else None,
        details={"step": "password" if not request.user.is_authenticated else "second_factor"},
        request=request,
    )
    if request.user.is_authenticated:
        logout(request)
    return sign_in_failed(request)


@public
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    if request.method != "POST":
        return render(
            request, "accounts/login.html", {"form": LoginForm(request), "next": next_url}
        )
    form = LoginForm(request, data=request.POST)
    if not form.is_valid():
        target = _user_for_username(request.POST.get("username"))
        auditing.record(
            "login_failed",
            actor=request.user,
            target=target,
            unit=target.unit if target else None,
            details={"step": "password"},
            request=request,
        )
        return sign_in_failed(request)
    user = form.get_user()
    login(request, user)
    session_start(request, user)
    auditing.record("password_accepted", actor=user, target=user, unit=user.unit, request=request)
    if selectors.user_has_confirmed_totp(user=user):
        return HttpResponseRedirect(_with_next(reverse("accounts:verify"), next_url))
    return HttpResponseRedirect(_with_next(reverse("accounts:enrol_totp"), next_url))


def _second_factor_passed(request: HttpRequest, user: User, device: Any, method: str) -> None:
    """Mark the session verified, rotate its key, clear the failure count."""
    otp_login(request, device)
    request.session.cycle_key()
    AxesProxyHandler.reset_attempts(username=user.get_username())
    auditing.record(
        "login_succeeded",
        actor=user,
        target=user,
        unit=user.unit,
        details={"method": method},
        request=request,
    )


def _second_factor_failed(request: HttpRequest, user: User, method: str) -> None:
    """Count the failure towards the lock-out, like a wrong password."""
    auditing.record(
        "second_factor_failed",
        actor=user,
        target=user,
        unit=user.unit,
        details={"method": method},
        request=request,
    )
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )


def second_factor_locked(request: HttpRequest, user: User) -> bool:
    return bool(AxesProxyHandler.is_locked(request, {"username": user.get_username()}))


@second_factor_step
@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request)
    if is_verified(user):
        return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    if not selectors.user_has_confirmed_totp(user=user):
        return HttpResponseRedirect(_with_next(reverse("accounts:enrol_totp"), next_url))
    if second_factor_locked(request, user):
        return lockout_response(request, None, {"username": user.get_username()})
    form = SecondFactorForm(request.POST or None)
    status = 200
    already_used = False
    if request.method == "POST":
        device = None
        if form.is_valid():
            device = services.second_factor_check(user=user, token=form.cleaned_data["otp_token"])
        if device is not None:
            method = "backup_code" if isinstance(device, BackupCodeDevice) else "totp"
            _second_factor_passed(request, user, device, method)
            return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
        _second_factor_failed(request, user, "code")
        if form.is_valid():
            already_used = selectors.totp_code_already_used(
                user=user, token=form.cleaned_data["otp_token"]
            )
        form = SecondFactorForm()
        status = 403
    context = {
        "form": form,
        "next": next_url,
        "failed": status == 403,
        "already_used": already_used,
        "has_passkeys": bool(selectors.user_devices(user=user).passkeys),
    }
    return render(request, "accounts/verify.html", context, status=status)


@second_factor_step
@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_totp_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app.

    Open to a user with no authenticator (right after the password), or
    to a verified user replacing theirs. A user who has one but has not
    verified is sent to verify: the password alone never adds a device.
    """
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request)
    has_totp = selectors.user_has_confirmed_totp(user=user)
    if has_totp and not is_verified(user):
        return HttpResponseRedirect(_with_next(reverse("accounts:verify"), next_url))
    if has_totp and not password_recent(request):
        # Replacing: not even the new secret is shown without the password.
        return _confirm_password_first(request, reverse("accounts:enrol_totp"))
    device = services.totp_device_start(user=user)
    form = TOTPConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and services.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["otp_token"].strip()
        ):
            if not is_verified(user):
                _second_factor_passed(request, user, device, "totp_enrolment")
            return HttpResponseRedirect(reverse("accounts:backup_codes"))
        form = TOTPConfirmForm()
        status = 400
    uri = selectors.totp_provisioning_uri(device=device)
    context = {
        "form": form,
        "next": next_url,
        "failed": status != 200,
        "replacing": has_totp,
        "qr_data_uri": segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
        "secret": selectors.totp_secret_text(device=device),
    }
    return render(request, "accounts/enrol_totp.html", context, status=status)


@staff_view
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    """Show how many codes are left; on POST, replace them and show them once
    (the password typed within REAUTH_WINDOW_SECONDS first)."""
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST" and not password_recent(request):
        return _confirm_password_first(request, reverse("accounts:backup_codes"))
    codes = services.backup_codes_regenerate(user=user) if request.method == "POST" else None
    context = {"codes": codes, "remaining": selectors.backup_codes_remaining(user=user)}
    return render(request, "accounts/backup_codes.html", context)


def _confirm_password_first(request: HttpRequest, then: str) -> HttpResponse:
    """Send the user to type the password, then back to `then` (a GET)."""
    user: User = request.user  # type: ignore[assignment]
    auditing.record(
        "password_confirmation_asked",
        actor=user,
        target=user,
        unit=user.unit,
        request=request,
    )
    return HttpResponseRedirect(_with_next(reverse("accounts:confirm_password"), then))


@staff_view
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_password_view(request: HttpRequest) -> HttpResponse:
    """Type the password again before changing the second factor.

    A wrong password is audited and counts towards the lock-out like a
    failed sign-in; locked out, the session ends.
    """
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request)
    if second_factor_locked(request, user):
        return lockout_response(request, None, {"username": user.get_username()})
    form = PasswordConfirmForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            password_given(request)
            auditing.record(
                "password_confirmed", actor=user, target=user, unit=user.unit, request=request
            )
            return HttpResponseRedirect(next_url or reverse("accounts:account"))
        auditing.record(
            "password_confirmation_failed",
            actor=user,
            target=user,
            unit=user.unit,
            request=request,
        )
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        if second_factor_locked(request, user):
            return lockout_response(request, None, {"username": user.get_username()})
    return render(
        request,
        "accounts/confirm_password.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@staff_view
@never_cache
@require_http_methods(["GET"])
def account_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "devices": selectors.user_devices(user=user),
        "roles": sorted(selectors.user_roles(user=user), key=lambda r: r.label),
        "is_administrator": user.has_any_role([Role.ADMINISTRATOR]),
    }
    return render(request, "accounts/account.html", context)


@staff_view
@never_cache
@require_http_methods(["GET"])
def passkeys_view(request: HttpRequest) -> HttpResponse:
    """The passkeys page; adding one needs the password typed recently."""
    user: User = request.user  # type: ignore[assignment]
    if not password_recent(request):
        return _confirm_password_first(request, reverse("accounts:passkeys"))
    return render(request, "accounts/passkeys.html", {"devices": selectors.user_devices(user=user)})


@second_factor_step
@csrf_protect
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    auditing.record("logged_out", actor=user, target=user, request=request)  # type: ignore[arg-type]
    logout(request)
    return HttpResponseRedirect(reverse("accounts:login"))


@staff_view
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    """Change one's own password; every other session of the user ends."""
    user: User = request.user  # type: ignore[assignment]
    form = OwnPasswordChangeForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.user_set_password(
                actor=user, user=user, password=form.cleaned_data["new_password1"]
            )
            update_session_auth_hash(request, user)  # this session stays signed in
            messages.success(request, _("Password changed. Your other sessions have ended."))
            return HttpResponseRedirect(reverse("accounts:account"))
        if "old_password" in form.errors:
            auditing.record(
                "password_change_refused", actor=user, target=user, unit=user.unit, request=request
            )
    return render(
        request,
        "accounts/password_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
