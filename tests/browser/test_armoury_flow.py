"""The armoury's "done when" path in a real browser.

A unit handler records a rifle and 120 rounds on a cleared case; the
unit's reward officer sees the computed reward and proposes the claim; a
second person, the unit's approver, approves it from the queue. The same
rifle, its serial typed another way, is handed in at another unit: the
page says it earns nothing, and headquarters sees the alert with both
cases by code only. Between the two, the reward officer pays the
approved claim in cash before a witness, and the signed receipt is shown,
printed and checked on the verify page.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    TOTPDeviceFactory,
    UnitFactory,
    UserFactory,
)
from safepassage.armoury.models import Claim, DuplicateSerialAlert, Item, Kind
from safepassage.armoury.tests.factories import cleared_case, schedule
from safepassage.ledger import services as ledger
from tests.browser.test_case_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _catalogue() -> None:
    """The catalogue's data migration again (a transactional test flushed it)."""
    importlib.import_module("safepassage.armoury.migrations.0002_catalogue").seed(apps, None)


def _staff(unit, role):
    user = UserFactory(unit=unit, roles=[role])
    return user, TOTPDeviceFactory(user=user)


def _page(browser, base, user, device, console):
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base, user, device)
    return page


def _record(page, base, code, witness, kind, quantity, serial=""):
    page.goto(f"{base}/armoury/cases/{code}/items/new/")
    page.select_option("select[name=kind]", str(Kind.objects.get(code=kind).pk))
    page.fill("input[name=serial]", serial)
    page.select_option("select[name=condition]", "working")
    page.fill("input[name=quantity]", str(quantity))
    page.select_option("select[name=witness]", label=witness.username)
    page.fill("input[name=received_at]", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=place]", "Reception point by the stream")
    page.get_by_role("button", name="Record").click()
    page.wait_for_url(f"**/armoury/cases/{code}/")


def test_record_price_approve_and_catch_the_same_rifle(browser, live_server, screenshot):
    _catalogue()
    base = live_server.url
    hq = HeadquartersFactory()
    unit = UnitFactory(name="Battalion Armoury (browser test)")
    other = UnitFactory(name="Defence Team Armoury (browser test)")
    handler, handler_device = _staff(unit, Role.UNIT_HANDLER)
    witness, _ = _staff(unit, Role.UNIT_HANDLER)
    officer, officer_device = _staff(unit, Role.REWARD_OFFICER)
    approver, approver_device = _staff(unit, Role.REWARD_APPROVER)
    other_handler, other_device = _staff(other, Role.UNIT_HANDLER)
    other_witness, _ = _staff(other, Role.UNIT_HANDLER)
    hq_approver, hq_device = _staff(hq, Role.REWARD_APPROVER)
    # Rifle 300,000.00 MMK, 500.00 a round; in force from a minute ago, as
    # the form takes the time of reception to the minute.
    schedule(actor=hq_approver, start=timezone.now() - dt.timedelta(minutes=2))
    case, other_case = cleared_case(unit), cleared_case(other)
    console: list[str] = []

    # The handler records a rifle and 120 rounds.
    page = _page(browser, base, handler, handler_device, console)
    _record(page, base, case.code, witness, "ma-1", 1, serial="MA1-204518")
    _record(page, base, case.code, witness, "ammo-556", 120)
    expect(page.locator("dd.serial").first).to_have_text("MA1-204518")
    screenshot(page, "1-recorded")
    page.context.close()

    # The reward officer sees the computed reward and proposes the claim.
    page = _page(browser, base, officer, officer_device, console)
    page.goto(f"{base}/armoury/cases/{case.code}/")
    expect(page.locator(".computed-reward")).to_contain_text("36000000 MMK")
    page.get_by_role("button", name="Propose the claim").click()
    page.wait_for_url("**/armoury/claims/*/")
    expect(page.locator(".claim-status")).to_have_text("Proposed")
    screenshot(page, "2-proposed")
    officer_page = page  # stays signed in: a second sign-in could reuse a TOTP code

    # A second person, the unit's approver, approves it from the queue.
    page = _page(browser, base, approver, approver_device, console)
    expect(page.get_by_text("1 claim waits for your approval.")).to_be_visible()
    page.get_by_role("link", name="Open the reward queue").click()
    page.get_by_role("link", name=str(Claim.objects.get().pk), exact=True).click()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    expect(page.locator(".claim-status")).to_have_text("Approved")
    screenshot(page, "3-approved")
    page.context.close()

    # The reward officer pays it in cash before a witness: the signed receipt.
    ledger.budget_fund(actor=hq_approver, amount_minor=100_000_000, currency="MMK")
    ledger.unit_float_fund(actor=hq_approver, unit=unit, amount_minor=50_000_000, currency="MMK")
    page = officer_page
    page.goto(f"{base}/armoury/claims/{Claim.objects.get().pk}/")
    page.select_option("select[name=method]", "cash_with_witness")
    page.select_option("select[name=witness]", label=witness.username)
    page.get_by_role("button", name="Pay and issue the receipt").click()
    page.wait_for_url("**/receipts/R-*/")
    expect(page.locator(".receipt")).to_contain_text(case.code)
    expect(page.locator(".receipt")).to_contain_text("36000000 MMK")
    expect(page.locator(".receipt")).not_to_contain_text("MA1-204518")
    page.emulate_media(media="print")
    screenshot(page, "4-receipt-print")
    page.emulate_media(media="screen")
    text = page.locator(".signed-text").inner_text()
    page.goto(f"{base}/receipts/verify/")
    page.locator("textarea").first.fill(text)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Genuine")).to_be_visible()
    altered = text.replace(case.code, other_case.code) if case.code in text else text[:-3] + "AAA"
    page.locator("textarea").first.fill(altered)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Not valid")).to_be_visible()
    screenshot(page, "5-verified")
    page.context.close()

    # The same rifle, typed another way, at another unit: no reward.
    page = _page(browser, base, other_handler, other_device, console)
    _record(page, base, other_case.code, other_witness, "ma-1", 1, "ma1 2O4 518")
    expect(page.locator(".messages")).to_contain_text("This serial was recorded before.")
    expect(page.locator("dd.reward").first).to_contain_text("No reward")
    screenshot(page, "6-refused")
    page.context.close()

    # Headquarters sees the alert, both cases by code only.
    page = _page(browser, base, hq_approver, hq_device, console)
    page.goto(f"{base}/armoury/alerts/")
    row = page.locator("tr.alert-row")
    expect(row).to_contain_text(case.code)
    expect(row).to_contain_text(other_case.code)
    expect(page.get_by_text("MA1-204518")).to_have_count(0)
    screenshot(page, "7-alert")
    page.context.close()

    assert Claim.objects.get().status == "paid"
    assert Item.objects.filter(duplicate_of__isnull=False).count() == 1
    assert DuplicateSerialAlert.objects.count() == 1
    assert not [m for m in console if "Content Security Policy" in m]
