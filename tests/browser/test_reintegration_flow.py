"""The caseworker's reintegration path in a real browser: choose
reintegration for a cleared case, open a plan from a template, refer to a
provider, record a follow-up, and print the person's copy (which names no
unit). No page may break the Content Security Policy.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import TOTPDeviceFactory, UnitFactory, UserFactory
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status
from safepassage.reintegration.models import FollowUp, Plan, Referral
from safepassage.reintegration.tests.factories import assign, cleared_case, provider

from .test_case_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _catalogue() -> None:
    """The seeded catalogue, made again if a transactional test flushed it."""
    importlib.import_module("safepassage.reintegration.migrations.0002_seed_catalogue").seed(
        apps, None
    )


def test_caseworker_path_through_reintegration(browser, live_server, screenshot):
    _catalogue()
    base = live_server.url
    unit = UnitFactory(name="Battalion Reintegration (test)")
    worker = UserFactory(unit=unit, roles=[Role.CASEWORKER])
    device = TOTPDeviceFactory(user=worker)
    case = cleared_case(unit)
    assign(case, worker)
    prov = provider(unit, worker, name="Tailoring school (test)")
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    sign_in(page, base, worker, device)
    page.get_by_role("link", name="My plans and what is due").click()
    page.get_by_role("link", name="Record the pathway").click()
    page.check("input[name=kind][value=reintegration]")
    page.check("input[name=consent_given]")
    page.fill("textarea[name=agreed]", "ပညာဆက်သင်ရန် သဘောတူသည်")
    page.fill("textarea[name=reasons]", "Wants to study")
    page.get_by_role("button", name="Record the pathway").click()
    page.wait_for_url("**/plan/")
    assert Case.objects.get(pk=case.pk).status == Status.REINTEGRATING

    page.select_option("select[name=template]", label="Conscript")
    page.check("input[name=consent_given]")
    page.fill("textarea[name=agreed]", "The plan as agreed")
    page.fill("input[name=contact_text]", "Signal: ask for Ko Ko")
    page.get_by_role("button", name="Open the plan").click()
    page.wait_for_url("**/reintegration/plans/*/")
    plan = Plan.objects.get(case=case)
    screenshot(page, "1-plan")

    page.get_by_role("link", name="Refer to a provider").click()
    page.select_option("select[name=provider]", str(prov.pk))
    page.check("input[name=consent_given]")
    page.check("input[name=shared][value=needs]")
    page.fill("textarea[name=shared_text]", "Wants a sewing course")
    page.get_by_role("button", name="Record the referral").click()
    page.wait_for_url(f"**/reintegration/plans/{plan.pk}/")
    assert Referral.objects.filter(plan=plan, provider=prov).exists()

    page.get_by_role("link", name="Record").first.click()
    page.select_option("select[name=safe]", "yes")
    page.select_option("select[name=housing]", "temporary")
    for index in range(5):
        page.select_option(f"select[name=who5_{index}]", "2")
    page.get_by_role("button", name="Record the follow-up").click()
    page.wait_for_url(f"**/reintegration/plans/{plan.pk}/")
    recorded = FollowUp.objects.get(plan=plan, months=1)
    assert recorded.state == "done"
    assert recorded.wellbeing_low is True  # 10 x 4 = 40
    screenshot(page, "2-followed-up")

    page.get_by_role("link", name="The person's copy (print)").click()
    page.wait_for_url("**/print/")
    text = page.content()
    assert "ကျွန်ုပ်၏ အစီအစဉ်" in text
    assert unit.name not in text
    assert case.code not in text
    screenshot(page, "3-print")
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()
