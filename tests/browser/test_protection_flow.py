"""Protection in a real browser: a protection officer opens a case from its
page, assesses the risk to the person and to a family member, tries a
full safe house (refused, with a clear message) and places the person in
one with room. No page may break the Content Security Policy.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safepassage.accounts.tests.factories import TOTPDeviceFactory, UnitFactory
from safepassage.audit.models import AuditEvent
from safepassage.protection.models import Placement, RiskAssessment
from safepassage.protection.tests.factories import (
    fill,
    house_create,
    member_of,
    officer_in,
    protected_case,
    threat_kinds,
)
from tests.browser.test_case_flow import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _assess(page, level: str) -> None:
    for select in page.locator("select[name^=threat_][name$=_level]").all():
        select.select_option(label=level)
    page.locator("textarea[name$=_factors]").first.fill("Soldiers asked the neighbours about him.")
    page.select_option("select[name=level]", label=level)
    review = timezone.localdate() + dt.timedelta(days=14)
    page.fill("input[name=review_on]", review.isoformat())
    page.get_by_role("button", name="Record the assessment").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Risk assessment recorded.")).to_be_visible()


def test_assess_risk_and_place_in_a_safe_house(browser, live_server, screenshot):
    base = live_server.url
    kinds = threat_kinds()
    unit = UnitFactory(name="Battalion Protection (browser test)")
    officer = officer_in(unit)
    device = TOTPDeviceFactory(user=officer)
    case = protected_case(unit)
    member_of(case, relation="mother", risk_notes="Lives in a junta-held village.")
    full = house_create(unit, capacity=1, label="House Full (test)")
    fill(full, officer)
    house_create(unit, capacity=2, label="House Room (test)")
    console: list[str] = []
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base, officer, device)

    # From the case page to its protection page.
    page.goto(f"{base}/cases/{case.code}/")
    page.get_by_role("link", name="Protection: risk, family, measures, safe house").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Risk to the person")).to_be_visible()

    # The person, then the family member.
    page.get_by_role("link", name="Assess risk to the person").click()
    expect(page.get_by_text(kinds[0].label).first).to_be_visible()
    _assess(page, "High")
    page.get_by_role("link", name="Assess risk to this family member").click()
    _assess(page, "Critical")
    screenshot(page, "1-assessed")
    assert RiskAssessment.objects.filter(case=case, current=True).count() == 2
    assert RiskAssessment.objects.filter(family_member__isnull=False, level=4).exists()

    # A full house is refused with a clear message; one with room is not.
    page.select_option("select[name=house]", label="House Full (test) — 1/1 (full)")
    page.get_by_role("button", name="Place in the safe house").click()
    page.wait_for_load_state()
    expect(page.get_by_text("This safe house is full")).to_be_visible()
    screenshot(page, "2-full-refused")
    assert not Placement.objects.filter(case=case).exists()
    page.select_option("select[name=house]", label="House Room (test) — 0/2")
    page.get_by_role("button", name="Place in the safe house").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Placed in the safe house.")).to_be_visible()
    expect(page.get_by_text("In House Room (test) since")).to_be_visible()
    screenshot(page, "3-placed")
    assert Placement.objects.filter(case=case, checked_out_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="protection.placement_refused").count() == 1
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()
