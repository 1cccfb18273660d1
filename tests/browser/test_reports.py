"""The analyst in a real browser: signs in and lands on the situation
picture, opens the dashboard, a report in English and in Burmese, sees a
suppressed cell written [c], downloads the CSV and finds the page's table
in it. No page may break the Content Security Policy."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    TOTPDeviceFactory,
    UnitFactory,
    UserFactory,
)
from safepassage.reports import services
from safepassage.reports.tests.factories import days_ago, person_case

from .test_case_flow import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_reads_a_report_in_two_languages_and_downloads_it(browser, live_server, screenshot):
    base = live_server.url
    hq = HeadquartersFactory()
    unit = UnitFactory(name="Battalion Reports (test)")
    for n in range(14):
        person_case(unit, township="MMR013017", opened=days_ago(3 + n))
    for _n in range(2):
        person_case(unit, township="MMR014001", category="soldier", opened=days_ago(4))
    services.reports_refresh()
    analyst = UserFactory(unit=hq, roles=[Role.ANALYST])
    device = TOTPDeviceFactory(user=analyst)
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    sign_in(page, base, analyst, device)
    assert page.get_by_role("heading", name="Situation picture").count()
    page.get_by_role("link", name="Dashboard and reports").click()
    page.wait_for_url("**/reports/")
    assert page.locator("svg[role=img]").count() >= 1
    screenshot(page, "1-dashboard")

    page.get_by_role("link", name="Where people came from, by category").click()
    page.wait_for_url("**/reports/origin_category/")
    table = page.locator("table.counts.report-table")
    assert "[c]" in table.inner_text()
    shown = [
        [cell.inner_text().strip() for cell in row.locator("th, td").all()]
        for row in table.locator("tr").all()
    ]
    screenshot(page, "2-report-en")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    path = download_info.value.path()
    exported = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert [row[1:] for row in exported] == [row[1:] for row in shown]

    page.click("button[lang=my]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "my"
    assert "[c]" in page.locator("table.counts.report-table").inner_text()
    screenshot(page, "3-report-my")

    # The new reports (amounts, where received) render in Burmese too.
    for name in ("payments", "ammunition", "received_origin"):
        page.goto(f"{base}/reports/{name}/")
        assert page.locator("html").get_attribute("lang") == "my"
        assert page.locator("table.counts.report-table").count() == 1
        assert page.locator("svg[role=img]").count() >= 1
    screenshot(page, "4-received-my")
    assert not [m for m in console if "Content Security Policy" in m], console
