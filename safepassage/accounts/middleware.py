"""The user's access per request, session limits and the second-factor gate.

Order in MIDDLEWARE matters: AccessCacheMiddleware takes django-otp's
OTPMiddleware's place, right after AuthenticationMiddleware (so
`request.user.is_verified()` exists); the other two run after it;
SessionGuardMiddleware runs before LoginRequiredMiddleware so that a
session it ends is treated as signed out at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from safepassage.core.permissions import get_access_policy, is_verified, refuse

from . import auditing
from .roles import Role

SESSION_EPOCH_KEY = "safepassage_session_epoch"
SESSION_LAST_SEEN_KEY = "safepassage_last_seen"
# When the password was last typed in this session (sign-in or
# confirmation): changing a second factor needs it recent.
SESSION_PASSWORD_AT_KEY = "safepassage_password_at"  # noqa: S105 - a key name
# The idle stamp is rewritten at most this often, so that a burst of
# requests does not write the session row each time; idle time is thus
# measured to within this many seconds.
SESSION_TOUCH_SECONDS = 30
# The user's roles and verified device as read at an access stamp
# (AccessCacheMiddleware): {"user": pk, "stamp": n, "roles": [...],
# "device": persistent id or None}. Role names and a device id: nothing
# personal.
SESSION_ACCESS_KEY = "safepassage_access"


def session_start(request: HttpRequest, user: Any) -> None:
    """Stamp a freshly signed-in session with the user's epoch and the time."""
    request.session[SESSION_EPOCH_KEY] = user.session_epoch
    request.session[SESSION_LAST_SEEN_KEY] = int(time.time())
    password_given(request)


def password_given(request: HttpRequest) -> None:
    """Record that the password was typed in this session just now."""
    request.session[SESSION_PASSWORD_AT_KEY] = int(time.time())


def password_recent(request: HttpRequest) -> bool:
    """True when the password was typed in this session within
    REAUTH_WINDOW_SECONDS: what a signed-in session left open (a borrowed
    or seized laptop) lacks when it tries to change the second factor."""
    given = request.session.get(SESSION_PASSWORD_AT_KEY)
    if not isinstance(given, int):
        return False
    age = int(time.time()) - given
    return 0 <= age <= int(settings.REAUTH_WINDOW_SECONDS)


def _end_session(request: HttpRequest, reason: str) -> None:
    user: Any = request.user
    logout(request)
    auditing.record_or_log(
        "session_terminated",
        actor=None,
        target=user,
        unit=user.unit_id,
        details={"reason": reason},
        request=request,
    )


def _cached_access(request: HttpRequest, user: Any) -> dict[str, Any] | None:
    """The session's copy of `user`'s access if it was read at the user's
    current access stamp, else None."""
    cached = request.session.get(SESSION_ACCESS_KEY)
    if (
        isinstance(cached, dict)
        and cached.get("user") == user.pk
        and cached.get("stamp") == user.access_stamp
        and isinstance(cached.get("roles"), list)
    ):
        return cached
    return None


class AccessCacheMiddleware(OTPMiddleware):  # type: ignore[misc]
    """django-otp's OTPMiddleware, with the user's roles and verified device
    kept in the session instead of read from the database each request.

    Without it every signed-in request reads the device and the roles (two
    queries). The copy is trusted only while it was made at the user's
    current `access_stamp`, read with the user row that
    AuthenticationMiddleware fetches each request anyway; every service
    that withdraws a role, moves a unit, deactivates, changes a password or
    removes a device bumps the stamp in the same transaction, so the next
    request reads the database again and sees the change. The copy is made
    after the stamp was read, so it is never older than its stamp.

    With a valid copy, `user.otp_device` is a lazy object that loads the
    device only if something reads it (`is_verified()` does not).
    """

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        if not user.is_authenticated:
            return super()._verify_user_sync(request, user)
        cached = _cached_access(request, user)
        device_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if cached is not None and cached.get("device") == (device_id or None):
            self._init_user_fields(user)
            user._role_cache = frozenset(Role(r) for r in cached["roles"] if r in Role.values)
            if device_id:
                user.otp_device = SimpleLazyObject(
                    lambda: self._finalize_device(
                        request, user, self._device_from_persistent_id(device_id)
                    )
                )
            return user
        user = super()._verify_user_sync(request, user)
        device = user.otp_device
        request.session[SESSION_ACCESS_KEY] = {
            "user": user.pk,
            "stamp": user.access_stamp,
            "roles": sorted(r.value for r in user.role_set()),
            "device": device.persistent_id if device is not None else None,
        }
        return user


class SessionGuardMiddleware:
    """End sessions that went idle or whose user's access changed.

    - idle: no request for SESSION_IDLE_TIMEOUT_SECONDS;
    - epoch: the user's `session_epoch` moved on (deactivated, roles
      changed, sessions ended by an administrator);
    - a signed-in session without the stamps (made outside the login view)
      is not trusted either.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._guard(request, user)
        return self.get_response(request)

    def _guard(self, request: HttpRequest, user: Any) -> None:
        session = request.session
        now = int(time.time())
        epoch = session.get(SESSION_EPOCH_KEY)
        last_seen = session.get(SESSION_LAST_SEEN_KEY)
        if epoch != user.session_epoch:
            _end_session(request, "epoch")
            return
        timeout = int(settings.SESSION_IDLE_TIMEOUT_SECONDS)
        if not isinstance(last_seen, int) or now - last_seen > timeout:
            _end_session(request, "idle")
            return
        if now - last_seen >= SESSION_TOUCH_SECONDS:
            session[SESSION_LAST_SEEN_KEY] = now


def _next_query(request: HttpRequest) -> str:
    if request.method != "GET":
        return ""
    return "?" + urlencode({"next": request.get_full_path()})


class SecondFactorRequiredMiddleware:
    """Refuse undeclared views; send unverified users to verify or enrol.

    A view that declares no access policy is refused to everyone (403),
    so that forgetting a declaration fails closed. A view that needs a
    verified user, reached by a user who has only given a password,
    redirects to the verification page, or to enrolment if the user has no
    authenticator yet.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        policy = get_access_policy(view_func)
        if policy is None:
            raise refuse(request, None, "undeclared")
        if not policy.needs_second_factor:
            return None
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        from .selectors import user_has_confirmed_totp

        if user_has_confirmed_totp(user=user):
            target = reverse("accounts:verify")
        else:
            target = reverse("accounts:enrol_totp")
        return HttpResponseRedirect(target + _next_query(request))
