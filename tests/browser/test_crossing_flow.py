"""The crossing in a real browser, as issue 25's newcomer walks it: the
unit's handler plans the crossing for a web-form conversation, draws the
words and sends the plan; the person, on /contact/ without JavaScript,
reads it and presses "in danger"; the alert is on the handler's home
page and is acknowledged; the arrival is recorded with the words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    TOTPDeviceFactory,
    UnitFactory,
    UserFactory,
)
from safepassage.audit.models import AuditEvent
from safepassage.cases.services import case_transition
from safepassage.crossing.models import CrossingAlert, CrossingPlan
from safepassage.intake import web
from safepassage.intake.services import contact_hand_over
from tests.browser.test_case_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_plan_in_danger_acknowledge_and_arrival(browser, live_server, screenshot, settings):
    settings.INTAKE_WEB_MIN_FORM_SECONDS = 0
    base = live_server.url
    unit = UnitFactory(name="Battalion Crossing (test)")
    operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    device = TOTPDeviceFactory(user=handler)
    opened = web.web_contact_open(
        answers={"category": "conscript"}, message="invented: I want to leave", language="en"
    )
    case = contact_hand_over(actor=operator, contact=opened.contact, unit=unit)
    case_transition(actor=handler, case=case, target="planning")

    # The handler plans the crossing.
    office = browser.new_context(viewport={"width": 412, "height": 900}).new_page()
    console: list[str] = []
    office.on("console", lambda message: console.append(message.text))
    sign_in(office, base, handler, device)
    office.get_by_role("link", name=f"{case.code} · Planning").click()
    office.wait_for_load_state()
    start = timezone.now() + dt.timedelta(hours=1)
    office.fill("textarea[name=meeting_point]", "Invented: behind the third tea shop")
    office.fill("textarea[name=place_shared]", "the tea shop we spoke of")
    office.fill("input[name=window_start]", _local(start))
    office.fill("input[name=window_end]", _local(start + dt.timedelta(hours=2)))
    office.fill("textarea[name=leave_behind]", "your phone")
    office.check(f"input[name=team][value='{handler.pk}']")
    screenshot(office, "1-plan-form")
    office.get_by_role("button", name="Save the plan").click()
    office.wait_for_load_state()
    office.get_by_role("button", name="Draw the words").click()
    office.wait_for_load_state()
    plan = CrossingPlan.objects.get()
    first, second = plan.words["latin"]
    assert first in office.content()
    assert second in office.content()
    office.get_by_role("button", name="Send to the person").click()
    office.wait_for_load_state()
    screenshot(office, "2-plan")

    # The person reads it on /contact/ (no JavaScript) and presses "in danger".
    person = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = person.new_page()
    page.goto(f"{base}/contact/resume/")
    page.fill("input[name=code]", opened.contact.code)
    page.fill("input[name=receipt]", opened.receipt)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "the tea shop we spoke of" in page.content()
    assert second in page.content()
    assert "third tea shop" not in page.content()  # the team's point is never sent
    screenshot(page, "3-person-reads-plan")
    page.get_by_role("button", name="In danger / abort").click()
    page.wait_for_load_state()
    assert "Received." in page.content()

    # The alert is on the handler's home page; acknowledged there.
    office.goto(f"{base}/")
    alerts = office.locator("ul.alerts")
    assert case.code in alerts.inner_text()
    assert "in danger" in alerts.inner_text()
    screenshot(office, "4-home-alert")
    alerts.get_by_role("button", name="Acknowledge").click()
    office.wait_for_load_state()
    assert CrossingAlert.objects.get().acknowledged_by_id == handler.pk
    assert AuditEvent.objects.filter(action="crossing.alert_acknowledged").exists()

    # The arrival, with the words.
    office.goto(f"{base}/crossing/plan/{plan.public_id}/")
    office.check("input[name=words_exchanged]")
    office.fill("input[name=answer_heard]", second)
    office.get_by_role("button", name="Record the arrival").click()
    office.wait_for_load_state()
    plan.refresh_from_db()
    case.refresh_from_db()
    assert (plan.state, plan.words_exchanged, case.status) == ("arrived", True, "received")
    screenshot(office, "5-arrived")
    # The plan left the person's page.
    page.goto(f"{base}/contact/conversation/")
    assert second not in page.content()
    assert not [m for m in console if "Content Security Policy" in m], console
