"""The front door in a real browser, as issue 4's newcomer walks it.

A person writes to the web form in Burmese with JavaScript switched off
(Tor Browser at its safest setting), keeps the code and the receipt; an
intake operator at headquarters reads the conversation, replies, and hands
it over to the unit the township suggests; the unit's handler finds the
case and its conversation; the person resumes and reads the reply.
"""

from __future__ import annotations

import re

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from safepassage.forces.tests.factories import reception_unit
from safepassage.intake import web
from safepassage.intake.models import Contact
from tests.browser.test_case_flow import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
RECEIPT = re.compile(r"09 \d{4} \d{5} / 09 \d{4} \d{5}")


def test_a_person_writes_and_the_case_reaches_a_unit(browser, live_server, screenshot, settings):
    settings.INTAKE_WEB_MIN_FORM_SECONDS = 0
    base = live_server.url
    unit = reception_unit("Battalion Contact (test)", "Hlaingtharya", covers=("Hlaingtharya",))
    operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    operator_device = TOTPDeviceFactory(user=operator)
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    handler_device = TOTPDeviceFactory(user=handler)

    # The person: no JavaScript, a phone-sized screen.
    person = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = person.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/contact/")
    assert person.cookies() == []  # nothing in the jar before the person acts
    page.click("button[value=my]")  # Burmese
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "my"
    page.fill("textarea[name=message]", "ကျွန်တော် ထွက်ချင်ပါတယ်")
    page.check("input[name=category][value=conscript]")
    page.fill("input[name=township]", "လှိုင်သာယာ")
    page.fill("input[name=weapons]", "သေနတ် တစ်လက်")
    screenshot(page, "1-form")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    code = page.locator("#case-code").inner_text().strip()
    receipt = RECEIPT.search(page.locator("#receipt").inner_text()).group(0)
    screenshot(page, "2-receipt")
    jar = person.cookies()
    assert {c["name"] for c in jar} == {web.COOKIE, "django_language"}, jar
    assert all(c["expires"] == -1 and c["path"] == "/contact/" for c in jar), jar  # session-length
    assert all(url.startswith(base) for url in requests), requests  # nothing from elsewhere

    # Headquarters' intake operator reads, replies and hands over.
    staff = browser.new_context()
    desk = staff.new_page()
    console: list[str] = []
    desk.on("console", lambda message: console.append(message.text))
    sign_in(desk, base, operator, operator_device)
    desk.goto(f"{base}/intake/")
    desk.get_by_role("link", name=re.compile(r"^#\d+")).first.click()
    desk.wait_for_load_state()
    assert "ကျွန်တော် ထွက်ချင်ပါတယ်" in desk.content()
    assert "Conscript" in desk.content()
    desk.fill("textarea[name=body]", "စာရပါပြီ။ လုံခြုံတဲ့နေရာမှာ စောင့်ပါ။")
    desk.get_by_role("button", name="Send", exact=True).click()
    desk.wait_for_load_state()
    screenshot(desk, "3-inbox-conversation")
    desk.locator(f"input[name=unit][value='{unit.pk}']").check()  # suggested from the township
    desk.get_by_role("button", name="Hand over").click()
    desk.wait_for_url(f"{base}/intake/")
    assert Contact.objects.get().case.code == code

    # The unit's handler finds the case, with the same code, and its conversation.
    unit_staff = browser.new_context()
    office = unit_staff.new_page()
    office.on("console", lambda message: console.append(message.text))
    sign_in(office, base, handler, handler_device)
    office.goto(f"{base}/cases/{code}/")
    office.get_by_role("link", name="Advance contact conversation").click()
    office.wait_for_load_state()
    assert "ကျွန်တော် ထွက်ချင်ပါတယ်" in office.content()
    screenshot(office, "4-unit-conversation")

    # The person comes back later with code and receipt, and reads the reply.
    page.context.clear_cookies()
    page.goto(f"{base}/contact/resume/")
    page.fill("input[name=code]", code.lower())
    page.fill("input[name=receipt]", receipt.replace(" ", ""))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "လုံခြုံတဲ့နေရာမှာ စောင့်ပါ" in page.content()
    screenshot(page, "5-person-reads-reply")
    page.locator("form[action='/contact/leave/'] button").click()
    page.wait_for_load_state()
    assert person.cookies() == []  # Leave clears the jar
    page.goto(f"{base}/contact/conversation/")
    assert page.url.endswith("/contact/resume/")
    assert not [m for m in console if "Content Security Policy" in m], console
