"""A cross-unit details request in a real browser, both sides.

A screening officer of one unit screens a newcomer, sees a match owned by
another unit (its code, unit and reasons only), and asks that unit; a
screening officer there answers "same person" with a note on the incoming
page; the asker reads the answer on the panel. Both sides' timelines and
trails record it; no page breaks the Content Security Policy.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import TOTPDeviceFactory, UnitFactory, UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import CaseEvent, DetailsRequest, EventKind
from safepassage.cases.tests.factories import TWICE_NEW, TWICE_OLD, screened_case
from safepassage.cases.workflow import DetailsRequestStatus
from tests.browser.test_case_flow import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_ask_another_unit_and_read_its_answer(browser, live_server, screenshot):
    base = live_server.url
    asking = UnitFactory(name="Asking unit (browser test)")
    owning = UnitFactory(name="Owning unit (browser test)")
    officer = UserFactory(unit=asking, roles=[Role.SCREENING_OFFICER])
    owner = UserFactory(unit=owning, roles=[Role.SCREENING_OFFICER])
    devices = {u.pk: TOTPDeviceFactory(user=u) for u in (officer, owner)}
    newcomer = screened_case(asking, **TWICE_NEW)
    earlier = screened_case(owning, **TWICE_OLD)
    console: list[str] = []

    # The asker: the panel shows the other unit's case by code and unit only.
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base, officer, devices[officer.pk])
    page.goto(f"{base}/cases/{newcomer.code}/screening/")
    expect(page.get_by_text(earlier.code)).to_be_visible()
    expect(page.get_by_text(owning.name).first).to_be_visible()
    expect(page.get_by_text(TWICE_OLD["name_latin"])).to_have_count(0)
    page.get_by_text("Ask that unit whether this is the same person").first.click()
    page.locator("textarea[name=reason]").first.fill("Same NRC; is this your person?")
    page.get_by_role("button", name="Send the request").first.click()
    page.wait_for_load_state()
    expect(page.get_by_text("Details requests sent")).to_be_visible()
    screenshot(page, "1-sent")
    asker = page  # stays signed in: a second sign-in could reuse a TOTP code

    # The owning unit answers on its incoming page.
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base, owner, devices[owner.pk])
    page.goto(f"{base}/cases/details-requests/")
    expect(page.get_by_text("Same NRC; is this your person?")).to_be_visible()
    page.get_by_label("Same person").first.check()
    page.locator("textarea[name=note]").first.fill("Ours since March.")
    page.get_by_role("button", name="Send the answer").first.click()
    page.wait_for_load_state()
    screenshot(page, "2-answered")
    context.close()

    # The asker reads the answer and the note.
    page = asker
    page.goto(f"{base}/cases/{newcomer.code}/screening/")
    expect(page.get_by_text("Ours since March.")).to_be_visible()
    sent = page.locator("section", has_text="Details requests sent")
    expect(sent.locator("strong")).to_have_text("Same person")
    screenshot(page, "3-read")
    page.context.close()

    request = DetailsRequest.objects.get()
    assert (request.status, request.answered_by_id) == (DetailsRequestStatus.ANSWERED, owner.pk)
    confirmed = CaseEvent.objects.filter(kind=EventKind.DUPLICATE_CONFIRMED)
    assert {e.case_id for e in confirmed} == {newcomer.pk, earlier.pk}
    answered = AuditEvent.objects.filter(action="cases.details_answered")
    assert {e.unit_id for e in answered} == {asking.pk, owning.pk}
    assert not [line for line in console if "Content Security Policy" in line]
