"""The public complaint form and headquarters' pages."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from safepassage.accounts.tests.factories import sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases.codes import case_code_generate
from safepassage.grievances import services
from safepassage.grievances.models import Grievance
from safepassage.intake import web

from .factories import world

pytestmark = pytest.mark.django_db

WRONG = "09 4123 45678 / 09 7987 65432"


def _post(client, **fields):
    data = {
        "token": web.form_token_issue(now=time.time() - 10),
        "website": "",
        "kind": "abuse",
        "body": "They beat me (invented).",
        **fields,
    }
    return client.post(reverse("complaint:form"), data, REMOTE_ADDR="10.9.8.7")


def _answer(response) -> str:
    text = response.content.decode()
    return re.sub(r'name="token" value="[^"]*"', "", text)


def test_the_form_has_no_script_and_sets_no_cookie(client):
    response = client.get(reverse("complaint:form"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script" not in page
    assert response.cookies == {} or all(c.value == "" for c in response.cookies.values())


def test_a_matched_and_an_unmatched_complaint_get_the_same_page():
    w = world()
    matched = _post(Client(), code=w.contact.code, receipt=w.receipt)
    unknown = _post(Client(), code=case_code_generate(), receipt=WRONG)  # issued to no one
    wrong = _post(Client(), code=w.contact.code, receipt=WRONG)
    none = _post(Client())
    assert {r.status_code for r in (matched, unknown, wrong, none)} == {200}
    assert _answer(matched) == _answer(unknown) == _answer(wrong) == _answer(none)
    assert "complaint-received" in _answer(matched)
    assert Grievance.objects.filter(verified=True).count() == 1
    assert Grievance.objects.count() == 4


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "bribe"},
        {"body": ""},
        {"body": "x" * 4001},
        {"code": "SP-"},  # not shaped like a code
        {"code": "", "receipt": WRONG},  # the numbers without the code
        {"website": "http://spam"},
        {"token": "forged"},
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_written(client, change):
    world()
    response = _post(client, **change)
    assert response.status_code == 400
    if "website" not in change:  # the honeypot's refusal is for robots: not shown
        assert 'class="errorlist' in response.content.decode()
    assert not Grievance.objects.exists()


def test_a_cross_site_post_is_refused(client):
    world()
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(
        reverse("complaint:form"),
        {"token": web.form_token_issue(now=time.time() - 10), "kind": "abuse", "body": "x"},
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert response.status_code == 403
    assert not Grievance.objects.exists()


def test_the_receipt_is_never_echoed_back():
    w = world()
    response = _post(Client(), code=w.contact.code, receipt=w.receipt, body="")
    assert response.status_code == 400
    assert w.receipt not in response.content.decode()


def test_headquarters_reads_with_an_audit_row_under_headquarters(client):
    w = world()
    grievance = services.grievance_submit(
        code="", receipt="", kind="threat", body="A threat (invented)", channel="web", source="t"
    )
    sign_in(client, w.hq_protection)
    listing = client.get(reverse("grievances:list"))
    assert listing.status_code == 200
    assert "A threat (invented)" not in listing.content.decode()  # the list shows no content
    detail = client.get(reverse("grievances:detail", args=[grievance.public_id]))
    assert "A threat (invented)" in detail.content.decode()
    event = AuditEvent.objects.filter(action="grievances.viewed").latest("sequence")
    assert event.unit_id == w.hq.pk
    assert event.actor_id == w.hq_protection.pk


def test_the_unit_concerned_finds_nothing_and_its_audit_trail_names_nothing(client):
    w = world()
    grievance = services.grievance_submit(
        code=w.contact.code,
        receipt=w.receipt,
        kind="abuse",
        body="About the unit (invented)",
        channel="web",
        source="t",
    )
    assert grievance.concerns_unit_id == w.unit.pk
    sign_in(client, w.handler)
    home = client.get("/")
    assert "omplaint" not in home.content.decode()
    assert client.get(reverse("grievances:list")).status_code == 403
    assert client.get(reverse("grievances:detail", args=[grievance.public_id])).status_code == 404
    named = AuditEvent.objects.filter(target_type="grievances.grievance", unit_id=w.unit.pk)
    assert not named.exists()


def test_a_move_not_allowed_shows_a_message_and_changes_nothing(client):
    w = world()
    grievance = services.grievance_submit(
        code="", receipt="", kind="other", body="x", channel="web", source="t"
    )
    sign_in(client, w.hq_handler)
    response = client.post(
        reverse("grievances:move", args=[grievance.public_id]),
        {"target": "resolved"},
        follow=True,
    )
    assert "cannot move" in response.content.decode()
    grievance.refresh_from_db()
    assert grievance.state == "open"
