"""What every case page starts with: the signed-in staff member, and the
case they asked for by code (404 for a case they may not see, whether or
not it exists). Shared by the case pages and the screening pages."""

from __future__ import annotations

from typing import cast

from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse

from safepassage.accounts.models import User
from safepassage.core.permissions import requires_role

from .models import Case
from .policies import CASE_ROLES
from .selectors.cases import CaseNotFound, case_get_for_user


def staff(request: HttpRequest) -> User:
    """The signed-in, verified user: every case view declares a case role."""
    return cast(User, request.user)


def case_or_404(request: HttpRequest, code: str) -> Case:
    try:
        return case_get_for_user(user=staff(request), code=code, request=request)
    except CaseNotFound:
        raise Http404 from None


#: The decorator of a page any case role may open.
case_view = requires_role(*CASE_ROLES)


def to_detail(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:detail", kwargs={"code": case.code}))
