"""Every view declares who may reach it; anything undeclared is refused.

A view (function or class) carries an `AccessPolicy` under the attribute
`ACCESS_POLICY_ATTR`, set by one of these decorators:

    @public                      no sign-in (login page, webhooks, contact form)
    @second_factor_step          signed in with a password, second factor not
                                 yet given (verify and enrolment pages)
    @staff_view                  any signed-in, second-factor-verified user
    @requires_role(Role.X, ...)  verified and holding one of the roles

The decorator both declares and enforces. The declaration is read by
`safepassage.accounts.middleware.SecondFactorRequiredMiddleware` (which
refuses views that declare nothing) and by `tests/test_url_permissions.py`
(which fails on any URL whose view declares nothing).

Every refusal sends `access_refused` once per request; the accounts app
turns it into an audit event. A view refusing for reasons of its own
(another unit's object, a role held in the wrong unit) calls
`refuse_in_view(request, reason)`; a `PermissionDenied` raised without
either (by the Django admin, by a service) is signalled by the 403
handler (`core.views.permission_denied`), so that no 403 goes
unrecorded. The kernel
does not import accounts or audit: it asks the
user object for `is_verified()` (set by django-otp) and
`has_any_role(roles)` (defined on `accounts.User`).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator

ACCESS_POLICY_ATTR = "safepassage_access_policy"
# Set on the request by `refuse`, so that a refusal is signalled once.
REFUSAL_SIGNALLED_ATTR = "_safepassage_refusal_signalled"

# Sent with `request`, `policy` (None for an undeclared view) and `reason`
# whenever a view is refused to a signed-in user.
access_refused = Signal()

Target = TypeVar("Target")


class Access(enum.StrEnum):
    PUBLIC = "public"
    SECOND_FACTOR_STEP = "second_factor_step"
    STAFF = "staff"
    ROLES = "roles"


@dataclass(frozen=True)
class AccessPolicy:
    access: Access
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def needs_login(self) -> bool:
        return self.access is not Access.PUBLIC

    @property
    def needs_second_factor(self) -> bool:
        return self.access in (Access.STAFF, Access.ROLES)

    def describe(self) -> str:
        if self.access is Access.ROLES:
            return "roles:" + "/".join(sorted(self.roles))
        return str(self.access)


def get_access_policy(view: Any) -> AccessPolicy | None:
    """The policy a resolved view declares, or None.

    Looks at the callable itself (function views, and class views whose
    `dispatch` was decorated: `as_view()` copies its attributes) and then
    at `view_class` (class views decorated as a class).
    """
    policy = getattr(view, ACCESS_POLICY_ATTR, None)
    if policy is None:
        policy = getattr(getattr(view, "view_class", None), ACCESS_POLICY_ATTR, None)
    return policy if isinstance(policy, AccessPolicy) else None


def is_verified(user: Any) -> bool:
    """True for an authenticated user who passed the second factor."""
    if user is None or not user.is_authenticated:
        return False
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def refuse(request: HttpRequest, policy: AccessPolicy | None, reason: str) -> PermissionDenied:
    """Signal the refusal and return the exception to raise (a 403 page).

    `reason` is an identifier ("role", "scope", ...): it goes to the audit.
    """
    if not getattr(request, REFUSAL_SIGNALLED_ATTR, False):
        setattr(request, REFUSAL_SIGNALLED_ATTR, True)
        access_refused.send(sender=AccessPolicy, request=request, policy=policy, reason=reason)
    return PermissionDenied(reason)


def resolved_policy(request: HttpRequest) -> AccessPolicy | None:
    """The policy of the view the request was routed to, or None."""
    match = getattr(request, "resolver_match", None)
    return get_access_policy(getattr(match, "func", None))


def refuse_in_view(request: HttpRequest, reason: str) -> PermissionDenied:
    """`refuse` for a view that passed its declared policy but refuses anyway
    (the object is another unit's, the role is held in the wrong unit)."""
    return refuse(request, resolved_policy(request), reason)


def refusal_signalled(request: HttpRequest) -> bool:
    return bool(getattr(request, REFUSAL_SIGNALLED_ATTR, False))


def check_access(request: HttpRequest, policy: AccessPolicy) -> HttpResponse | None:
    """Enforce `policy`: None to proceed, a redirect, or raise PermissionDenied."""
    if policy.access is Access.PUBLIC:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user.is_active:
        raise refuse(request, policy, "inactive")
    if policy.access is Access.SECOND_FACTOR_STEP:
        return None
    if not is_verified(user):
        # SecondFactorRequiredMiddleware redirects to verification before
        # the view runs; reaching this line means it was bypassed.
        raise refuse(request, policy, "not_verified")
    if policy.access is Access.ROLES:
        has_any_role = getattr(user, "has_any_role", None)
        if not callable(has_any_role) or not has_any_role(policy.roles):
            raise refuse(request, policy, "role")
    return None


def _declare(policy: AccessPolicy) -> Callable[[Target], Target]:
    def decorator(target: Target) -> Target:
        if isinstance(target, type):
            decorated = method_decorator(decorator, name="dispatch")(target)
            setattr(decorated, ACCESS_POLICY_ATTR, policy)
            return cast(Target, decorated)

        view = cast(Callable[..., HttpResponse], target)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = check_access(request, policy)
            if response is not None:
                return response
            return view(request, *args, **kwargs)

        setattr(wrapper, ACCESS_POLICY_ATTR, policy)
        if not policy.needs_login:
            # Read by django.contrib.auth's LoginRequiredMiddleware.
            wrapper.login_required = False  # type: ignore[attr-defined]
        return cast(Target, wrapper)

    return decorator


def public(target: Target) -> Target:
    """Reachable without signing in. Keep the list short: tests pin it."""
    return _declare(AccessPolicy(Access.PUBLIC))(target)


def second_factor_step(target: Target) -> Target:
    """Reachable after the password, before the second factor."""
    return _declare(AccessPolicy(Access.SECOND_FACTOR_STEP))(target)


def staff_view(target: Target) -> Target:
    """Reachable by any active, verified member of staff."""
    return _declare(AccessPolicy(Access.STAFF))(target)


def requires_role(*roles: str) -> Callable[[Target], Target]:
    """Reachable by an active, verified user holding any of `roles`."""
    if not roles:
        raise ValueError("requires_role needs at least one role")
    return _declare(AccessPolicy(Access.ROLES, frozenset(str(r) for r in roles)))
