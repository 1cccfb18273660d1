"""Passkeys (django-otp-webauthn), as a second factor only.

The package's views are wrapped so that each declares its access:
registering a passkey needs a verified session (the password alone never
adds a device) whose password was typed within REAUTH_WINDOW_SECONDS (a
session left open does not add one either: refused, audited); using one
is the second-factor step, counted towards the lock-out on failure like a
wrong code. Passwordless sign-in is off
(OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False) and, in any case, every
endpoint here needs a password-authenticated session.

The browser code is the package's own static files, served by the product
(no CDN); the page passes its configuration in a JSON data block, so no
inline script is needed and the CSP stays strict.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn_views

from safepassage.core.permissions import refuse_in_view, second_factor_step, staff_view

from . import auditing
from .middleware import password_recent
from .views import _second_factor_failed, _second_factor_passed, second_factor_locked


def _password_recent_or_refuse(request: Any) -> None:
    if not password_recent(request):
        raise refuse_in_view(request, "password_not_recent")


@staff_view
class BeginRegistrationView(webauthn_views.BeginCredentialRegistrationView):  # type: ignore[misc]
    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _password_recent_or_refuse(request)


@staff_view
class CompleteRegistrationView(webauthn_views.CompleteCredentialRegistrationView):  # type: ignore[misc]
    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _password_recent_or_refuse(request)

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(*args, **kwargs)
        user = self.request.user
        auditing.record(
            "passkey_registered",
            actor=user,
            target=user,
            request=self.request,
        )
        return response


@second_factor_step
class BeginAuthenticationView(webauthn_views.BeginCredentialAuthenticationView):  # type: ignore[misc]
    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if second_factor_locked(request, request.user):
            raise exceptions.OTPWebAuthnApiError()


@second_factor_step
class CompleteAuthenticationView(webauthn_views.CompleteCredentialAuthenticationView):  # type: ignore[misc]
    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if second_factor_locked(request, request.user):
            raise exceptions.OTPWebAuthnApiError()

    def check_device_usable(self, device: Any) -> None:
        super().check_device_usable(device)
        if device.user_id != self.request.user.pk:
            raise exceptions.CredentialNotFound()

    def complete_auth(self, device: Any) -> Any:
        _second_factor_passed(self.request, self.request.user, device, "passkey")
        return self.request.user

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            user = self.request.user
            if user.is_authenticated:
                _second_factor_failed(self.request, user, "passkey")
            # One answer for every refusal: no detail about why.
            return JsonResponse({"detail": "", "code": "refused"}, status=403)
        response: HttpResponse = super().handle_exception(exc)
        return response


javascript_catalog = second_factor_step(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]))

app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        BeginRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompleteRegistrationView.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthenticationView.as_view(),
        name="credential-authentication-complete",
    ),
    path("jsi18n/", javascript_catalog, name="js-i18n-catalog"),
]
