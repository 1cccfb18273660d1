"""The case list as it is often first written: OFFSET pagination.

Compared with `safepassage.cases.selectors.case_page` (keyset on
`(unit, -id)`), in the same run and on the same data, with the composite
indexes dropped for the naive measurements (see run.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from safepassage.cases.policies import CASE_ROLES
from safepassage.cases.selectors import PAGE_SIZE, CasePage, cases_visible_to
from safepassage.cases.workflow import Status
from safepassage.core.permissions import requires_role


@requires_role(*CASE_ROLES)
@require_http_methods(["GET"])
def naive_case_list(request: HttpRequest) -> HttpResponse:
    try:
        page_number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page_number = 1
    offset = (page_number - 1) * PAGE_SIZE
    qs = cases_visible_to(request.user).order_by("-id")
    # The same columns as the product's list: only the pagination differs.
    qs = qs.only("id", "code", "status", "priority", "updated_at", "unit_id")
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    page = CasePage(
        rows=rows[:PAGE_SIZE],
        status="",
        next_before=rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
    )
    return render(request, "cases/list.html", {"page": page, "statuses": Status.choices})
