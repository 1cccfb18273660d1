"""An administrator invites a member of staff, end to end, in a real browser.

Headquarters' administrator opens Staff from the home page, invites a
handler into a unit, and copies the one-time link. The newcomer opens it
in another browser: the token leaves the address bar, they choose a
password, set up an authenticator app (the key typed from the page),
take their backup codes and land on their own home page. The link then
works no more, and the administrator deactivates them: their session
ends at once. No page breaks the Content Security Policy.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import (
    HeadquartersFactory,
    TOTPDeviceFactory,
    UnitFactory,
    UserFactory,
)
from safepassage.audit.models import AuditEvent
from tests.browser.test_case_flow import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "quiet lantern orchard 58"


def code_from_key(key_text: str) -> str:
    """What an authenticator app shows for the key typed from the page."""
    key = key_text.replace(" ", "")
    key += "=" * (-len(key) % 8)
    totp = TOTP(b32decode(key))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_an_administrator_invites_a_member_who_signs_in_to_their_home(
    browser, live_server, screenshot
):
    base = live_server.url
    hq = HeadquartersFactory()
    unit = UnitFactory(name="Reception unit (browser test)")
    admin = UserFactory(unit=hq, roles=[Role.ADMINISTRATOR])
    device = TOTPDeviceFactory(user=admin)
    console: list[str] = []

    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base, admin, device)
    page.get_by_role("link", name="Staff: invite, roles, deactivate").click()
    page.get_by_role("link", name="Invite a member of staff").click()
    page.fill("input[name=username]", "heron-5")
    page.select_option("select[name=unit]", str(unit.pk))
    page.get_by_label("Unit handler").check()
    page.get_by_role("button", name="Make the invitation").click()
    expect(page.get_by_role("heading", name="Invitation made")).to_be_visible()
    link = page.locator("#invitation-link").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(base)}/accounts/invitation/[A-Za-z0-9_-]{{40,}}/", link)
    screenshot(page, "1-invited")
    admin_page = page

    # The newcomer, in a browser of their own.
    context = browser.new_context(viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    page.goto(link)
    page.wait_for_url(f"{base}/accounts/invitation/")  # the token is out of the address
    expect(page.get_by_text("heron-5")).to_be_visible()
    page.fill("input[name=new_password1]", PASSWORD)
    page.fill("input[name=new_password2]", PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url("**/accounts/enrol/**")
    screenshot(page, "2-enrol")
    key = page.locator("code.secret").inner_text()
    page.fill("input[name=otp_token]", code_from_key(key))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/backup-codes/")
    page.get_by_role("button", name="Make new backup codes").click()
    expect(page.locator("ul.codes li")).to_have_count(10)
    page.get_by_role("link", name="I have stored them").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("link", name="My unit's cases")).to_be_visible()
    screenshot(page, "3-home")

    member = User.objects.get(username="heron-5")
    assert member.unit == unit
    assert member.role_set() == {Role.UNIT_HANDLER}

    # The link works once.
    spent = context.new_page()
    spent.goto(link)
    expect(spent.get_by_role("heading", name="This invitation link does not work")).to_be_visible()
    spent.close()

    # The administrator deactivates them; their open page signs them out.
    admin_page.get_by_role("link", name="Open this member").click()
    admin_page.get_by_role("button", name="Deactivate").click()
    expect(admin_page.get_by_text("Deactivated. Their sessions have ended.")).to_be_visible()
    page.goto(f"{base}/")
    page.wait_for_url("**/accounts/login/**")

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "accounts.invitation_created",
        "accounts.invitation_used",
        "accounts.totp_enrolled",
        "accounts.user_deactivated",
    } <= actions
    assert not [line for line in console if "Content Security Policy" in line], console
