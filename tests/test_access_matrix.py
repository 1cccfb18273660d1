"""Every row of the access matrix, for every principal. See access_matrix.py."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from django.urls import resolve, reverse

from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.core.permissions import Access, get_access_policy

from .access_matrix import Principal, Row, load_rows, principals

MATRIX = load_rows()
#: SAFEPASSAGE_MATRIX_EAGER=1 builds every app's world for every row, as
#: before the lazy world; a row that passes only eagerly leans on another
#: app's objects without naming them.
EAGER = os.environ.get("SAFEPASSAGE_MATRIX_EAGER") == "1"
REFUSAL_ACTIONS = (
    "accounts.permission_denied",
    "armoury.access_refused",
    "cases.access_refused",
    "crossing.access_refused",
    "intake.access_refused",
    "protection.access_refused",
    "reintegration.access_refused",
    "watchlists.access_refused",
    "receipts.access_refused",
    "grievances.access_refused",
)
CASES = [(row, p) for row in MATRIX.rows for p in principals()]


def test_the_matrix_has_rows_for_the_views_that_exist() -> None:
    names = {row.url_name for row in MATRIX.rows}
    assert {"core:home", "accounts:account", "admin:index"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "principal"), CASES, ids=[f"{r.id}|{p.key}" for r, p in CASES])
def test_access(row: Row, principal: Principal, client: Client, hq, unit_a, unit_b) -> None:
    world = MATRIX.build_world({"hq": hq, "unit_a": unit_a, "unit_b": unit_b}, eager=EAGER)
    if not principal.anonymous:
        user = UserFactory(unit=world.units[principal.unit], roles=[principal.role])
        sign_in(client, user, verified=principal.verified)
    url = reverse(row.url_name, kwargs=row.resolve_kwargs(world))
    before = AuditEvent.objects.count()
    response = getattr(client, row.method)(url, row.resolve_data(world))
    status, redirect_to = row.expected(principal)
    assert response.status_code == status, (row.id, principal.key, row.allow)
    policy = get_access_policy(resolve(url).func)
    public = policy is not None and policy.access is Access.PUBLIC
    refusal = status == 403 or (status == 404 and row.not_found_is_refusal)
    if principal.verified and not principal.anonymous and refusal and not public:
        # Every refusal of a signed-in user leaves an audit event (public
        # views, the webhooks, answer their providers, not staff): a 403
        # as accounts.permission_denied, another unit's object (404) as
        # <app>.access_refused.
        refused = AuditEvent.objects.filter(sequence__gt=before).filter(action__in=REFUSAL_ACTIONS)
        assert refused.exists(), ("refusal not audited", row.id, principal.key)
    if redirect_to is not None:
        assert response["Location"].split("?")[0] in (
            reverse(redirect_to),
            reverse("admin:login"),  # the admin's login_url, which redirects on
        )
