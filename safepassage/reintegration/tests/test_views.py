"""The pages, end to end through the test client: a caseworker walks the
path; bad input gets a clear message, never a 500 or a half-written plan;
the person's printable copy holds no unit, no place and no case code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safepassage.accounts.tests.factories import sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status
from safepassage.core.homes import home_panels
from safepassage.reintegration.models import FollowUp, Plan, Referral

from .factories import assign, cleared_case, plan_open, provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(client: Client):
    def sign(user):
        sign_in(client, user, verified=True)
        return client

    return sign


def test_a_caseworker_chooses_reintegration_opens_a_plan_refers_and_follows_up(
    unit_a, worker, client_of
):
    client = client_of(worker)
    case = cleared_case(unit_a)
    assign(case, worker)
    home = client.get(reverse("reintegration:home"))
    assert case.code in home.content.decode()
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("reintegration:pathway", kwargs={"code": case.code}),
        {
            "kind": "reintegration",
            "consent_given": "on",
            "consented_on": today,
            "agreed": "ပညာဆက်သင်မည်",
            "reasons": "wants to study",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.REINTEGRATING
    response = client.post(
        reverse("reintegration:plan_new", kwargs={"code": case.code}),
        {
            "template": "",
            "starts_on": today,
            "consent_given": "on",
            "consented_on": today,
            "agreed": "the plan",
            "contact_text": "Signal: ask for Ko Ko",
        },
    )
    plan = Plan.objects.get(case=case)
    assert response.status_code == 302
    page = client.get(reverse("reintegration:plan", kwargs={"pk": plan.pk}))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="reintegration.viewed").exists()
    prov = provider(unit_a, worker)
    response = client.post(
        reverse("reintegration:referral_new", kwargs={"pk": plan.pk}),
        {
            "provider": prov.pk,
            "consent_given": "on",
            "consented_on": today,
            "shared": ["needs"],
            "shared_text": "a course",
        },
    )
    assert response.status_code == 302
    assert Referral.objects.filter(plan=plan).count() == 1
    followup = FollowUp.objects.filter(plan=plan).order_by("months").first()
    data = {"held_on": today, "safe": "yes", "housing": "stable", "needs": ""}
    data.update({f"who5_{i}": "4" for i in range(5)})
    response = client.post(
        reverse("reintegration:followup", kwargs={"pk": plan.pk, "followup_id": followup.pk}),
        data,
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.state == "done"
    assert followup.wellbeing_low is False


def test_a_referral_without_consent_is_refused_with_a_message(unit_a, worker, client_of):
    plan = plan_open(unit_a, worker)
    prov = provider(unit_a, worker)
    response = client_of(worker).post(
        reverse("reintegration:referral_new", kwargs={"pk": plan.pk}),
        {"provider": prov.pk, "consented_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert "consent" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_followup_dated_before_the_plan_is_refused_with_a_message(unit_a, worker, client_of):
    plan = plan_open(unit_a, worker)
    followup = FollowUp.objects.filter(plan=plan).first()
    before = (plan.starts_on - dt.timedelta(days=5)).isoformat()
    response = client_of(worker).post(
        reverse("reintegration:followup", kwargs={"pk": plan.pk, "followup_id": followup.pk}),
        {"held_on": before},
        follow=True,
    )
    assert response.status_code == 200
    assert "before its plan starts" in response.content.decode()
    assert FollowUp.objects.get(pk=followup.pk).state == "scheduled"


@pytest.mark.parametrize("due", ["", "not-a-date", "1900-01-01", "9999-99-99"])
def test_a_step_with_a_bad_date_is_refused(unit_a, worker, client_of, due):
    plan = plan_open(unit_a, worker)
    goal = plan.goals.first()
    steps = plan.steps.count()
    response = client_of(worker).post(
        reverse("reintegration:step_add", kwargs={"pk": plan.pk}),
        {"goal": goal.pk, "kind": "milestone", "due_on": due, "title_en": "x"},
    )
    assert response.status_code == 302
    assert plan.steps.count() == steps


def test_the_printable_copy_holds_no_unit_place_or_case_code(unit_a, worker, client_of):
    plan = plan_open(unit_a, worker)
    body = client_of(worker).get(reverse("reintegration:plan_print", kwargs={"pk": plan.pk}))
    text = body.content.decode()
    assert body.status_code == 200
    assert "ကျွန်ုပ်၏ အစီအစဉ်" in text
    assert "Signal 09 000 000" in text  # how to reach the caseworker
    assert unit_a.name not in text
    assert plan.case.code not in text
    assert "SafePassage" not in text
    assert "Wants to study" not in text  # the pathway's reasons: case history


def test_home_panels_for_caseworker_and_supervisor(unit_a, worker, supervisor, rf):
    plan_open(unit_a, worker)
    for user, name in ((worker, "caseworker_queue"), (supervisor, "supervisor_watch")):
        request = rf.get("/")
        request.user = user
        names = [p.name for p in home_panels(request) if p.panel is not None]
        assert any(n.endswith(name) for n in names)
        assert not any(p.failed for p in home_panels(request))


def test_another_caseworker_of_the_unit_does_not_see_the_plan(unit_a, worker, client_of):
    from .factories import caseworker_in

    plan = plan_open(unit_a, worker)
    other = caseworker_in(unit_a)
    response = client_of(other).get(reverse("reintegration:plan", kwargs={"pk": plan.pk}))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="reintegration.access_refused").exists()


def test_the_caseworker_home_is_a_fixed_number_of_queries(unit_a, worker, client_of):
    """No query per row: more plans, steps and follow-ups, the same count."""
    client = client_of(worker)
    plan_open(unit_a, worker, starts_on=timezone.localdate() - dt.timedelta(days=60))
    client.get(reverse("reintegration:home"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(reverse("reintegration:home"))
    for _ in range(3):
        plan_open(unit_a, worker, starts_on=timezone.localdate() - dt.timedelta(days=60))
    with CaptureQueriesContext(connection) as later:
        client.get(reverse("reintegration:home"))
    assert len(later.captured_queries) == len(first.captured_queries)


def test_the_plan_page_is_a_fixed_number_of_queries(unit_a, worker, client_of):
    """Decrypting goals and steps queries nothing per row (keys and units
    come from the plan)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(worker)
    small = plan_open(unit_a, worker, code="")
    big = plan_open(unit_a, worker, code="family-danger")
    client.get(reverse("reintegration:plan", kwargs={"pk": small.pk}))
    with CaptureQueriesContext(connection) as empty:
        client.get(reverse("reintegration:plan", kwargs={"pk": small.pk}))
    with CaptureQueriesContext(connection) as full:
        client.get(reverse("reintegration:plan", kwargs={"pk": big.pk}))
    assert len(full.captured_queries) <= len(empty.captured_queries) + 2
