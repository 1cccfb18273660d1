"""safepassage/core/permissions.py: declare and enforce, for every kind of view."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.views import View

from safepassage.core.permissions import (
    Access,
    AccessPolicy,
    access_refused,
    get_access_policy,
    public,
    requires_role,
    second_factor_step,
    staff_view,
)


class FakeUser:
    is_authenticated = True

    def __init__(self, *, verified: bool = True, roles: tuple[str, ...] = (), active: bool = True):
        self._verified = verified
        self._roles = set(roles)
        self.is_active = active

    def is_verified(self) -> bool:
        return self._verified

    def has_any_role(self, roles: Any) -> bool:
        return bool(self._roles & set(roles))


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _request(user: Any) -> HttpRequest:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return request


@pytest.fixture
def refusals() -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs)

    access_refused.connect(receiver, weak=False, dispatch_uid="test-refusals")
    yield seen
    access_refused.disconnect(dispatch_uid="test-refusals")


pytestmark = pytest.mark.django_db  # refusals are audited


def test_public_declares_and_lets_anyone_in() -> None:
    view = public(ok)
    assert get_access_policy(view) == AccessPolicy(Access.PUBLIC)
    assert view.login_required is False
    assert view(_request(AnonymousUser())).status_code == 200


def test_second_factor_step_needs_a_sign_in_but_not_the_second_factor() -> None:
    view = second_factor_step(ok)
    assert not hasattr(view, "login_required")
    assert view(_request(AnonymousUser())).status_code == 302
    assert view(_request(FakeUser(verified=False))).status_code == 200


def test_staff_view_refuses_anonymous_and_unverified(refusals) -> None:
    view = staff_view(ok)
    assert view(_request(AnonymousUser())).status_code == 302
    with pytest.raises(PermissionDenied):
        view(_request(FakeUser(verified=False)))
    assert refusals[-1]["reason"] == "not_verified"
    assert view(_request(FakeUser())).status_code == 200


def test_staff_view_refuses_inactive_users(refusals) -> None:
    with pytest.raises(PermissionDenied):
        staff_view(ok)(_request(FakeUser(active=False)))
    assert refusals[-1]["reason"] == "inactive"


def test_requires_role_refuses_other_roles_and_signals(refusals) -> None:
    view = requires_role("analyst", "caseworker")(ok)
    assert get_access_policy(view) == AccessPolicy(
        Access.ROLES, frozenset({"analyst", "caseworker"})
    )
    assert view(_request(FakeUser(roles=("caseworker",)))).status_code == 200
    with pytest.raises(PermissionDenied):
        view(_request(FakeUser(roles=("reward_officer",))))
    assert refusals[-1]["reason"] == "role"
    assert refusals[-1]["policy"].describe() == "roles:analyst/caseworker"
    with pytest.raises(PermissionDenied):
        view(_request(FakeUser(roles=("analyst",), verified=False)))


def test_requires_role_needs_a_role() -> None:
    with pytest.raises(ValueError):
        requires_role()


def test_a_user_object_without_roles_is_refused(refusals) -> None:
    class Bare(FakeUser):
        has_any_role = None  # type: ignore[assignment]

    with pytest.raises(PermissionDenied):
        requires_role("analyst")(ok)(_request(Bare()))


@requires_role("analyst")
class AnalystView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


@public
class OpenView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")


def test_class_based_views_declare_and_enforce() -> None:
    view = AnalystView.as_view()
    assert get_access_policy(view) == AccessPolicy(Access.ROLES, frozenset({"analyst"}))
    assert view(_request(FakeUser(roles=("analyst",)))).status_code == 200
    with pytest.raises(PermissionDenied):
        view(_request(FakeUser(roles=("caseworker",))))
    assert view(_request(AnonymousUser())).status_code == 302


def test_public_class_based_views_skip_login_required() -> None:
    view = OpenView.as_view()
    assert get_access_policy(view) == AccessPolicy(Access.PUBLIC)
    assert view.login_required is False
    assert view(_request(AnonymousUser())).status_code == 200


def test_an_undecorated_view_declares_nothing() -> None:
    assert get_access_policy(ok) is None
    assert get_access_policy(View.as_view()) is None
