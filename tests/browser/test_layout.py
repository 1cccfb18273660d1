"""Layouts a browser must see: the answers "What the person told" sit in
their card, and the Burmese screening panel's headers read as words, not
a column of single letters -- at a phone's width and a desktop's, in
English and Burmese. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    TOTPDeviceFactory,
    UnitFactory,
    UserFactory,
)
from safepassage.cases.tests.factories import TWICE_NEW, TWICE_OLD, screened_case
from tests.browser.test_case_flow import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTHS = {"phone": 412, "desktop": 1280}
# How many lines an element's text takes (one client rect per line box).
LINES_OF_TEXT = """e => {
  const range = document.createRange();
  range.selectNodeContents(e);
  return new Set([...range.getClientRects()].map(b => Math.round(b.top))).size;
}"""


def _inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
    )


def _switch_to_burmese(page) -> None:
    page.click("button[lang=my]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "my"


def _answers_in_card(page, url: str, label: str, screenshot) -> int:
    page.goto(url)
    checked = 0
    for language in ("en", "my"):
        if language == "my":
            _switch_to_burmese(page)
            page.goto(url)
        for name, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            card = page.locator("section.card", has=page.locator("dl.answers"))
            box = card.bounding_box()
            for element in page.locator("dl.answers dd, dl.answers dt").all():
                inner = element.bounding_box()
                assert _inside(inner, box), (label, language, name, inner, box)
                checked += 1
            answers = page.locator("dl.answers dd").first.bounding_box()
            assert answers["width"] > box["width"] / 2, (label, language, name, answers, box)
            screenshot(page, f"{label}-{language}-{name}")
        if language == "my":
            page.click("button[lang=en]")
            page.wait_for_load_state()
    return checked


def test_what_the_person_told_sits_in_its_card(browser, live_server, screenshot):
    from safepassage.forces.tests.factories import UnitProfileFactory
    from safepassage.intake import services, web

    base = live_server.url
    operator = UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])
    device = TOTPDeviceFactory(user=operator)
    contact = web.web_contact_open(
        answers={
            "category": "conscript",
            "stage": "in_training",
            "township": "Hlaing Tharyar",
            "weapons": "One rifle and two magazines, maybe more if the guard changes",
        },
        message="I can leave after the parade.",
        language="en",
    ).contact
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, operator, device)
    checked = _answers_in_card(page, f"{base}/intake/contacts/{contact.pk}/", "inbox", screenshot)
    assert checked >= 16

    # The case conversation, read by the receiving unit's handler.
    unit = UnitProfileFactory().unit
    case = services.contact_hand_over(actor=operator, contact=contact, unit=unit)
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, handler, TOTPDeviceFactory(user=handler))
    url = f"{base}/intake/cases/{case.code}/"
    checked = _answers_in_card(page, url, "case", screenshot)
    assert checked >= 16


def test_the_burmese_screening_headers_read_as_words(browser, live_server, screenshot):
    base = live_server.url
    unit = UnitFactory(name="Screening unit (layout test)")
    officer = UserFactory(unit=unit, roles=[Role.SCREENING_OFFICER])
    device = TOTPDeviceFactory(user=officer)
    newcomer = screened_case(unit, **TWICE_NEW)
    screened_case(UnitFactory(), **TWICE_OLD)
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    sign_in(page, base, officer, device)
    page.goto(f"{base}/")
    _switch_to_burmese(page)
    page.goto(f"{base}/cases/{newcomer.code}/screening/")
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        headers = page.locator("table.matches thead th").all()
        assert len(headers) == 5
        for header in headers:
            lines = header.evaluate(LINES_OF_TEXT)
            # One line: never a letter (or a syllable) per line.
            assert lines == 1, (name, header.inner_text(), lines)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, (name, overflow)  # the table scrolls in its card
        screenshot(page, f"screening-my-{name}")
