"""Every refusal is recorded, for every role (issue 18 §8, issue 19 §1).

The defect: a 403 for the analyst or the administrator logged
`audit: could not record accounts.permission_denied [ValueError]`, and
left no event. The refused view was open to five roles, and the policy,
written as one string ("roles:caseworker/intake_operator/..."), passed
the audit's 80-character limit for a detail value. The roles now go as a
list; this walks pages that refuse some role, for every role in
headquarters and in a unit, and wants one event per refusal and no
"could not record" line.

The refusals that answered without any event (another unit's case
conversation, a transfer meant for another unit, a watch-list opened by
a unit's screening officer) are performed below too.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

# Pages each open to some roles and refused (403) to the others.
PAGES = (
    "core:home",
    "cases:dashboard",
    "cases:details_requests",
    "inbox:list",
    "watchlists:index",
    "admin:index",
    "admin:intake_channel_changelist",
)


def _refusals_since(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=before, action="accounts.permission_denied"))


@pytest.mark.parametrize("unit_key", ["hq", "unit_a"])
@pytest.mark.parametrize("role", list(Role))
def test_every_403_is_recorded_for_every_role(
    client: Client, role: Role, unit_key: str, hq, unit_a, caplog
) -> None:
    user = UserFactory(unit={"hq": hq, "unit_a": unit_a}[unit_key], roles=[role])
    sign_in(client, user)
    refused = 0
    with caplog.at_level(logging.ERROR, logger="safepassage.accounts.auditing"):
        for name in PAGES:
            before = AuditEvent.objects.count()
            response = client.get(reverse(name))
            if response.status_code != 403:
                continue
            refused += 1
            events = _refusals_since(before)
            assert len(events) == 1, (name, role)
            assert events[0].actor_id == user.pk
            assert events[0].details["reason"]
    assert "could not record" not in caplog.text
    assert refused >= 1 or (role is Role.ADMINISTRATOR and unit_key == "hq")


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMINISTRATOR])
def test_the_analyst_and_the_administrator_refused_a_case_list_are_recorded(
    client: Client, role: Role, hq, caplog
) -> None:
    """The very refusal the issue saw fail: "My unit's cases" on their home page."""
    sign_in(client, UserFactory(unit=hq, roles=[role]))
    before = AuditEvent.objects.count()
    with caplog.at_level(logging.ERROR):
        assert client.get(reverse("cases:dashboard")).status_code == 403
    assert "could not record" not in caplog.text
    (event,) = _refusals_since(before)
    assert event.details["policy"] == "roles"
    assert "unit_handler" in event.details["roles"]
    assert role.value not in event.details["roles"]


def test_another_units_case_conversation_is_refused_and_recorded(
    client: Client, unit_a, unit_b
) -> None:
    from safepassage.cases.tests.factories import case_create

    case = case_create(unit=unit_b)
    sign_in(client, UserFactory(unit=unit_a, roles=[Role.UNIT_HANDLER]))
    before = AuditEvent.objects.count()
    response = client.get(reverse("inbox:case_conversation", kwargs={"code": case.code}))
    assert response.status_code == 404
    event = AuditEvent.objects.get(sequence__gt=before, action="cases.access_refused")
    assert event.target_id == str(case.pk)


def test_answering_a_transfer_meant_for_another_unit_is_refused_and_recorded(
    client: Client, unit_a, unit_b, hq
) -> None:
    from safepassage.cases.models import CaseTransfer, TransferStatus
    from safepassage.cases.tests.factories import case_create

    case = case_create(unit=unit_b)
    transfer = CaseTransfer.objects.create(case=case, from_unit=unit_b, to_unit=hq)
    sign_in(client, UserFactory(unit=unit_a, roles=[Role.UNIT_HANDLER]))
    before = AuditEvent.objects.count()
    url = reverse("cases:transfer_answer", kwargs={"transfer_id": transfer.pk})
    assert client.post(url, {"answer": "accept"}).status_code == 404
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING
    event = AuditEvent.objects.get(sequence__gt=before, action="cases.access_refused")
    assert event.target_type == "cases.casetransfer"


def test_a_units_screening_officer_opening_a_watch_list_is_refused_and_recorded(
    client: Client, unit_a, hq
) -> None:
    from safepassage.watchlists import services as watchlists

    keeper = UserFactory(unit=hq, roles=[Role.SCREENING_OFFICER])
    watch_list = watchlists.watchlist_create(actor=keeper, name="Informants", description="")
    sign_in(client, UserFactory(unit=unit_a, roles=[Role.SCREENING_OFFICER]))
    before = AuditEvent.objects.count()
    response = client.get(reverse("watchlists:detail", kwargs={"pk": watch_list.pk}))
    assert response.status_code == 403
    (event,) = _refusals_since(before)
    assert event.details["reason"] == "not_headquarters"
