"""Headquarters keeps the reintegration catalogue in a real browser: a
caseworker at headquarters finds it from the reintegration pages, changes a
template step, reads the page in Burmese, and no page breaks the Content
Security Policy.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from safepassage.reintegration.models import PlanTemplate, TemplateStep

from .test_case_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_headquarters_changes_a_template_step_in_the_browser(browser, live_server, screenshot):
    importlib.import_module("safepassage.reintegration.migrations.0002_seed_catalogue").seed(
        apps, None
    )
    base = live_server.url
    keeper = UserFactory(unit=HeadquartersFactory(), roles=[Role.CASEWORKER])
    device = TOTPDeviceFactory(user=keeper)
    template = PlanTemplate.objects.get(code="conscript")
    step = TemplateStep.objects.filter(goal__template=template).order_by("pk").first()
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    sign_in(page, base, keeper, device)
    page.goto(f"{base}/reintegration/")
    page.get_by_role("link", name="Catalogue").click()
    page.wait_for_url("**/reintegration/catalogue/")
    screenshot(page, "1-catalogue")
    page.get_by_role("link", name="conscript", exact=True).click()
    page.wait_for_url(f"**/catalogue/templates/{template.pk}/")
    page.get_by_role("link", name=step.title_en).click()
    page.fill("input[name=offset_days]", "45")
    page.fill("input[name=title_en]", "Visit the training centre")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/catalogue/templates/{template.pk}/")
    assert page.get_by_text("The catalogue was changed.").is_visible()
    step.refresh_from_db()
    assert (step.title_en, step.offset_days) == ("Visit the training centre", 45)

    page.click("button[lang=my]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "my"
    assert page.get_by_text("ပန်းတိုင်များနှင့် အဆင့်များ").is_visible()
    screenshot(page, "2-template-my")
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()
