"""The whole staff path in a real browser.

Sign in with the second factor, switch to Burmese, create a person and a
case (picking the home township from htmx suggestions), move it through
the workflow, search by phone, and show that a user of another unit
cannot open it (refused and audited). No page may break the Content
Security Policy.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    TOTPDeviceFactory,
    UnitFactory,
    UserFactory,
    totp_code,
)
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status

# Transactional: the live server's thread must see the test's rows. The data
# migrations' rows are made again if need be (conftest.py, _reference_data).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def sign_in(page, base: str, user, device) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/verify/**")
    page.fill("input[name=otp_token]", totp_code(device))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def move(page, label: str, reason: str = "") -> None:
    form = page.locator("form.move", has=page.get_by_role("button", name=label))
    if reason:
        form.locator("input[name=reason]").fill(reason)
    form.get_by_role("button", name=label).click()
    page.wait_for_load_state()
    confirm = page.locator("section.confirm-move")
    if confirm.count():  # a move not easily undone asks first
        confirm.get_by_role("button", name=f"Yes: {label}").click()
        page.wait_for_load_state()


def test_staff_path_through_a_case(browser, live_server, screenshot):
    base = live_server.url
    unit = UnitFactory(name="Battalion Browser (test)")
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    device = TOTPDeviceFactory(user=handler)
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    sign_in(page, base, handler, device)
    screenshot(page, "1-home")

    # Open a case (in English), then fill in the person.
    page.goto(f"{base}/cases/new/")
    page.select_option("select[name=category]", "conscript")
    page.fill("textarea[name=summary]", "Can leave after the passing-out parade.")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url("**/cases/SP-*/")
    code = page.url.rstrip("/").rsplit("/", 1)[1]
    case = Case.objects.get(code=code)

    page.click("text=Edit person")
    page.fill("input[name=name_my]", "ေမာင္ေဇာ္ဝင္း")  # typed in Zawgyi
    page.fill("input[name=name_latin]", "Maung Zaw Win")
    page.fill("textarea[name=phones]", "09 420 000 777")
    page.select_option("select[name=birth_precision]", "year")
    page.fill("input[name=birth_year]", "၂၀၀၂")
    # Township suggestions (htmx): typed loosely, picked from the list.
    page.locator("input[name=home_township]").press_sequentially("hlaing tharyar", delay=20)
    page.get_by_role("button", name=re.compile(r"^Hlaingtharya \/ ")).click()
    expect(page.locator("input[name=home_township]")).to_have_value("Hlaingtharya (MMR013008)")
    screenshot(page, "2-township-picked")
    page.get_by_role("button", name="Save").click()
    # A newly registered person is screened at once against every unit's people.
    page.wait_for_url(f"**/cases/{code}/screening/")
    expect(page.get_by_text("No registered person looks like this one.")).to_be_visible()
    screenshot(page, "3-screening")
    page.get_by_role("link", name=code).click()
    page.wait_for_url(f"**/cases/{code}/")
    assert "မောင်ဇော်ဝင်း" in page.content()  # stored and shown as Unicode
    assert case.person.home_township == "MMR013008"
    screenshot(page, "3-detail")

    # Walk the workflow through the buttons this user is offered.
    move(page, "Start planning")
    move(page, "Mark in transit")
    move(page, "Record arrival")
    move(page, "Send to screening")
    case.refresh_from_db()
    assert case.status == Status.SCREENING
    assert page.locator("form.move").count() == 0  # screening decisions are not a handler's

    # Switch to Burmese: the page is served in Burmese from now on.
    page.click("button[lang=my]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "my"
    screenshot(page, "4-burmese")

    # Search by phone, typed another way: straight to the case.
    page.fill("input[name=q]", "+959420000777")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(f"**/cases/{code}/")

    # Someone of another unit cannot open it; the attempt is audited.
    other = UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER])
    other_device = TOTPDeviceFactory(user=other)
    intruder = browser.new_context().new_page()
    sign_in(intruder, base, other, other_device)
    response = intruder.goto(f"{base}/cases/{code}/")
    assert response.status == 404
    assert "Maung Zaw Win" not in intruder.content()
    screenshot(intruder, "5-refused")
    assert AuditEvent.objects.filter(
        action="cases.access_refused", actor_id=other.pk, target_id=str(case.pk)
    ).exists()
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()
