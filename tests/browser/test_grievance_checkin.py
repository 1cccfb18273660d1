"""Issue 21's last two Done-when steps in a real browser.

1. The bot's check-in: the person answers three questions with Telegram
   buttons (against the local fake Bot API); the answers land on the case
   as a follow-up to confirm; the caseworker confirms it on the plan page.
2. A complaint: the person sends it through the web form with JavaScript
   off (Tor Browser at its safest); headquarters' protection officer finds
   it on the home page and reads it; the handler of the unit it is about,
   signed in, sees no trace of it (no panel, 403 on the list, 404 on it).
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from safepassage.accounts.tests.factories import TOTPDeviceFactory
from safepassage.grievances.checkin import checkins_send
from safepassage.grievances.models import Grievance
from safepassage.grievances.tests.factories import plan_with_followup_due, world
from safepassage.intake.tests.fake_apis import fake_bot_api
from safepassage.intake.tests.test_conversation import Person, _telegram, drain
from safepassage.reintegration.models import FollowUp
from tests.browser.test_case_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _catalogue() -> None:
    importlib.import_module("safepassage.reintegration.migrations.0002_seed_catalogue").seed(
        apps, None
    )


def test_check_in_lands_and_a_complaint_reaches_headquarters_only(
    browser, live_server, screenshot, settings
):
    settings.INTAKE_WEB_MIN_FORM_SECONDS = 0
    _catalogue()
    base = live_server.url
    with fake_bot_api() as (url, _api):
        channel = _telegram(url)
        w = world(channel=channel)
        plan, followup = plan_with_followup_due(w)
        assert checkins_send() == 1
        drain()
        person = Person(channel, 60601)
        for payload in ("safe.no", "housing.temporary", "income.none"):
            person.presses(f"p:checkin:{payload}")
        drain()
    assert FollowUp.objects.get(pk=followup.pk).state == "to_confirm"

    # The caseworker confirms the check-in on the plan page.
    staff = browser.new_context(viewport={"width": 412, "height": 900})
    page = staff.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base, w.caseworker, TOTPDeviceFactory(user=w.caseworker))
    page.goto(f"{base}/reintegration/plans/{plan.pk}/")
    screenshot(page, "1-check-in-to-confirm")
    page.get_by_role("button", name="Confirm the check-in").click()
    page.wait_for_url(f"**/reintegration/plans/{plan.pk}/")
    assert FollowUp.objects.get(pk=followup.pk).state == "done"
    staff.close()

    # The person complains through the web form, no JavaScript.
    tor = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    form = tor.new_page()
    form.goto(f"{base}/contact/")
    form.click("button[value=en]")
    form.wait_for_load_state()
    form.get_by_role("link", name="Complain or report abuse").click()
    form.wait_for_load_state()
    form.check("input[name=kind][value=abuse]")
    form.fill("textarea[name=body]", "ယူနစ်က ကျွန်တော့်ကို ခြိမ်းခြောက်တယ် (invented)")
    form.fill("input[name=code]", w.contact.code)
    form.fill("input[name=receipt]", w.receipt)
    screenshot(form, "2-complaint-form")
    form.get_by_role("button", name="Send the complaint").click()
    form.wait_for_load_state()
    received = form.locator("#complaint-received").inner_text()
    assert received.startswith("Your complaint has reached headquarters.")
    tor.close()
    grievance = Grievance.objects.get()
    assert grievance.verified
    assert grievance.concerns_unit_id == w.unit.pk

    # The unit's handler sees nothing of it.
    unit_side = browser.new_context()
    page = unit_side.new_page()
    sign_in(page, base, w.handler, TOTPDeviceFactory(user=w.handler))
    assert "complaint" not in page.content().lower()
    assert page.goto(f"{base}/grievances/").status == 403
    assert page.goto(f"{base}/grievances/{grievance.public_id}/").status == 404
    screenshot(page, "3-unit-sees-nothing")
    unit_side.close()

    # Headquarters reads it and answers.
    hq = browser.new_context(viewport={"width": 412, "height": 900})
    page = hq.new_page()
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base, w.hq_protection, TOTPDeviceFactory(user=w.hq_protection))
    page.get_by_role("link", name="Open complaints").click()
    page.locator("table a").first.click()
    page.wait_for_url(f"**/grievances/{grievance.public_id}/")
    assert "ခြိမ်းခြောက်" in page.locator("#grievance-body").inner_text()
    page.fill("textarea[name=text]", "We are looking into it.")
    page.get_by_role("button", name="Record and send the answer").click()
    page.wait_for_url(f"**/grievances/{grievance.public_id}/")
    assert page.locator("#grievance-state").inner_text() == "In progress"
    screenshot(page, "4-headquarters")
    hq.close()
    assert not [m for m in console if "Content Security Policy" in m], console
