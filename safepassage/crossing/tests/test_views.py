"""The crossing's pages: bad input is a form error (never a 500, never a
half-written plan), another unit's plan is 404, the staff channel page
never shows the token."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.crossing.models import CrossingPlan, StaffChannel
from safepassage.crossing.tasks import crossing_next_due

from .factories import cast, plan_make, plan_sent

pytestmark = pytest.mark.django_db


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(start: dt.datetime, end: dt.datetime, **extra) -> dict:
    return {
        "meeting_point": "Invented point",
        "place_shared": "the shop",
        "window_start": _local(start),
        "window_end": _local(end),
        **extra,
    }


@pytest.mark.parametrize(
    "data",
    [
        {},
        _form(timezone.now() - dt.timedelta(hours=3), timezone.now() - dt.timedelta(hours=2)),
        _form(timezone.now() + dt.timedelta(hours=1), timezone.now() + dt.timedelta(hours=30)),
        _form(timezone.now() + dt.timedelta(hours=2), timezone.now() + dt.timedelta(hours=1)),
        {**_form(timezone.now(), timezone.now()), "window_start": "not a time"},
        {**_form(timezone.now(), timezone.now()), "window_start": "99999-01-01T00:00"},
        _form(
            timezone.now() + dt.timedelta(hours=1),
            timezone.now() + dt.timedelta(hours=2),
            meeting_point="\x00",
        ),
        _form(
            timezone.now() + dt.timedelta(hours=1),
            timezone.now() + dt.timedelta(hours=2),
            team=["999999", "x"],
        ),
    ],
)
def test_a_bad_plan_form_is_a_clear_error_and_writes_nothing(client, data):
    c = cast()
    sign_in(client, c.handler)
    response = client.post(reverse("crossing:case", args=[c.case.code]), data)
    assert response.status_code == 400
    assert not CrossingPlan.objects.exists()


def test_a_good_plan_form_makes_the_plan_and_a_second_visit_opens_it(client):
    c = cast()
    sign_in(client, c.handler)
    start = timezone.now() + dt.timedelta(hours=1)
    url = reverse("crossing:case", args=[c.case.code])
    response = client.post(url, _form(start, start + dt.timedelta(hours=2)))
    plan = CrossingPlan.objects.get()
    assert response["Location"] == reverse("crossing:plan", args=[plan.public_id])
    assert client.get(url)["Location"] == response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Invented point" in page
    read = AuditEvent.objects.filter(action="crossing.viewed").get()
    assert "meeting_point" in read.details["fields"]


def test_another_units_plan_and_an_unknown_plan_answer_404(client):
    c = cast()
    plan = plan_make(c)
    sign_in(client, c.other_handler)
    assert client.get(reverse("crossing:plan", args=[plan.public_id])).status_code == 404
    assert AuditEvent.objects.filter(action="crossing.access_refused").count() == 1
    assert client.get(reverse("crossing:plan", args=[uuid.uuid4()])).status_code == 404
    assert client.post(reverse("crossing:plan_words", args=[plan.public_id])).status_code == 404


def test_the_words_are_never_in_a_list(client):
    c = cast()
    plan = plan_sent(c)
    sign_in(client, c.handler)
    for url in (reverse("crossing:alerts"), reverse("core:home")):
        page = client.get(url).content.decode()
        # As a word: a drawn "pan" is in every "colspan".
        assert not re.search(rf"\b{re.escape(plan.words['latin'][1])}\b", page, re.IGNORECASE)
        assert plan.words["my"][1] not in page


def test_the_staff_channel_page_keeps_the_token_secret_and_refuses_bad_input(client):
    c = cast()
    admin = UserFactory(unit=c.unit, roles=[Role.ADMINISTRATOR])
    sign_in(client, admin)
    url = reverse("crossing:staff_channel")
    bad = [
        {"chat_id": "abc", "token": "1:abcdefghijkl", "api_url": "http://127.0.0.1:9"},
        {"chat_id": "-1", "token": "not a token", "api_url": "http://127.0.0.1:9"},
        {"chat_id": "-1", "token": "1:abcdefghijkl", "api_url": "javascript:alert(1)"},
        {"chat_id": "-1", "token": "", "api_url": "http://127.0.0.1:9"},  # a new one needs it
    ]
    for data in bad:
        assert client.post(url, data).status_code == 400
    assert not StaffChannel.objects.exists()
    token = "1:abcdefghijkl_secret"
    data = {"chat_id": "-1", "token": token, "api_url": "http://127.0.0.1:9", "is_active": "on"}
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert token not in page
    assert StaffChannel.objects.get().token == token


def test_the_next_tick_follows_the_window_the_alert_and_what_was_handled():
    c = cast()
    assert crossing_next_due() is None
    plan = plan_sent(c)
    assert crossing_next_due() == plan.window_end  # erasing after the window comes first
    call_command("crossing_tick")
    plan.refresh_from_db()
    assert plan.erased_at is None
