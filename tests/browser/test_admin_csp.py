"""The admin pages under the strict Content Security Policy, in a real browser.

Django's admin ships its own scripts and styles; a page that breaks the
policy would silently lose its widgets (the unit directory's township
picker, the user form's group selector).
"""

from __future__ import annotations

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    TOTPDeviceFactory,
    UserFactory,
)

from .test_case_flow import sign_in

# Transactional: the live server's thread must see the test's rows. The data
# migrations' rows are made again if need be (conftest.py, _reference_data).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

ADMIN_PAGES = [
    "/admin/",
    "/admin/accounts/unit/",
    "/admin/accounts/unit/add/",
    "/admin/accounts/user/",
    "/admin/accounts/user/{admin_pk}/change/",
    "/admin/forces/unitprofile/add/",
    "/admin/geo/township/",
]


def test_admin_pages_keep_the_content_security_policy(browser, live_server, screenshot):
    # Headquarters': only its administrators add units and directory entries.
    hq = HeadquartersFactory()
    admin = UserFactory(unit=hq, roles=[Role.ADMINISTRATOR])
    device = TOTPDeviceFactory(user=admin)
    page = browser.new_context().new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text
            else None
        ),
    )
    sign_in(page, live_server.url, admin, device)
    for path in ADMIN_PAGES:
        response = page.goto(live_server.url + path.format(admin_pk=admin.pk))
        assert response is not None
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    screenshot(page, "last-admin-page")
    assert violations == []
