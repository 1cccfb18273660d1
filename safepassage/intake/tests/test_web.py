"""The web form at /contact/: no JavaScript, flood guards, a receipt shown
once, resuming with code and receipt, never a 500."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.intake import outbox, web
from safepassage.intake.models import Contact, ContactMessage, Throttle
from safepassage.intake.receipts import receipt_verify

pytestmark = pytest.mark.django_db
RECEIPT = re.compile(r"09 \d{4} \d{5} / 09 \d{4} \d{5}")


@pytest.fixture
def operator_hq():
    return UserFactory(unit=HeadquartersFactory(), roles=[Role.INTAKE_OPERATOR])


@pytest.fixture(autouse=True)
def _no_wait(settings):
    settings.INTAKE_WEB_MIN_FORM_SECONDS = 0


def _token() -> str:
    return web.form_token_issue(now=time.time() - 10)


def _send(client, **fields):
    data = {"token": _token(), "website": "", **fields}
    return client.post(reverse("contact:start"), data, REMOTE_ADDR="10.9.8.7")


def test_the_form_page_has_no_script_and_nothing_from_elsewhere(client):
    response = client.get(reverse("contact:start"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script" not in page
    assert not re.search(r"""(src|href|action)=["']https?://""", page)
    assert 'name="token"' in page
    assert response["Cache-Control"].startswith("no-store")


def test_writing_in_burmese_gives_a_code_and_a_receipt_shown_once(client):
    response = _send(
        client,
        message="ကျွန်တော် ထွက်ချင်ပါတယ်",
        category="conscript",
        township="ေတာင္ႀကီး",  # Zawgyi
    )
    assert response.status_code == 200
    page = response.content.decode()
    receipt = RECEIPT.search(page).group(0)
    contact = Contact.objects.get()
    assert contact.code in page
    assert receipt_verify(receipt, contact.receipt_hash)
    assert contact.answers["category"] == "conscript"
    assert contact.answers["township"] == "တောင်ကြီး"
    assert contact.answers["township_pcode"]
    assert ContactMessage.objects.get().body == "ကျွန်တော် ထွက်ချင်ပါတယ်"
    assert contact.channel.kind == "web"
    assert AuditEvent.objects.filter(action="intake.web_contact_opened").exists()
    # The person is in their conversation right away, and the receipt is not.
    conversation = client.get(reverse("contact:conversation")).content.decode()
    assert "ကျွန်တော် ထွက်ချင်ပါတယ်" in conversation
    assert receipt not in conversation


def test_an_empty_form_is_refused_with_a_message(client):
    response = _send(client, message="  ")
    assert response.status_code == 400
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"token": "forged"},
        {"website": "http://spam.example"},
        {"category": "general"},
        {"message": "x" * 4001},
        {"township": "y" * 101},
        {"message": "\x00"},
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_written(client, change):
    data = {"token": _token(), "website": "", "message": "hello", **change}
    response = client.post(reverse("contact:start"), data)
    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_a_form_sent_too_fast_or_twice_is_refused(client, settings):
    settings.INTAKE_WEB_MIN_FORM_SECONDS = 3
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # chosen on the page
    fresh = web.form_token_issue()
    response = client.post(reverse("contact:start"), {"token": fresh, "message": "hi"})
    assert response.status_code == 400
    assert "take a moment" in response.content.decode()
    old = web.form_token_issue(now=time.time() - 60)
    assert client.post(reverse("contact:start"), {"token": old, "message": "hi"}).status_code == 200
    again = client.post(reverse("contact:start"), {"token": old, "message": "hi"})
    assert again.status_code == 400
    expired = web.form_token_issue(now=time.time() - web.FORM_TOKEN_MAX_AGE - 5)
    assert (
        client.post(reverse("contact:start"), {"token": expired, "message": "hi"}).status_code
        == 400
    )
    assert Contact.objects.count() == 1


def test_a_flood_is_stopped_by_the_budgets(client, settings):
    settings.INTAKE_WEB_NEW_PER_MINUTE = 3
    statuses = [_send(client, message=f"flood {i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert Contact.objects.count() == 3
    # The budget keys are hashes: no client address is stored.
    assert not Throttle.objects.filter(key__contains="10.9.8.7").exists()


def test_resuming_reads_the_replies_and_writes_more(client, operator_hq):
    page = _send(client, message="first").content.decode()
    code, receipt = Contact.objects.get().code, RECEIPT.search(page).group(0)
    root = Contact.objects.get()
    outbox.reply_queue(actor=operator_hq, contact=root, body="We read you. Stay safe.")
    client.post(reverse("contact:leave"))
    assert client.get(reverse("contact:conversation")).status_code == 302
    response = client.post(
        reverse("contact:resume"),
        {"token": _token(), "code": code.lower(), "receipt": receipt.replace(" ", "")},
    )
    assert response.status_code == 302
    page = client.get(reverse("contact:conversation")).content.decode()
    assert "We read you. Stay safe." in page
    client.post(reverse("contact:conversation"), {"message": "second"})
    assert [m.body for m in ContactMessage.objects.filter(inbound=True)] == ["first", "second"]
    assert AuditEvent.objects.filter(
        action="intake.viewed", details__purpose="person_resumed_on_web"
    ).exists()


def test_a_wrong_receipt_is_refused_and_never_echoed(client):
    _send(client, message="first")
    code = Contact.objects.get().code
    client.post(reverse("contact:leave"))
    response = client.post(
        reverse("contact:resume"),
        {"token": _token(), "code": code, "receipt": "09 4123 45678 / 09 4876 54321"},
    )
    assert response.status_code == 403
    assert "45678" not in response.content.decode()
    assert client.get(reverse("contact:conversation")).status_code == 302


def test_a_forged_or_stale_cookie_opens_nothing(client):
    _send(client, message="first")
    client.cookies[web.COOKIE] = "forged"
    assert client.get(reverse("contact:conversation")).status_code == 302


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(
            ["token", "website", "message", "category", "stage", "township", "code", "receipt"]
        ),
        st.text(max_size=300),
    )
)
def test_hostile_posts_never_give_a_500(client, data):
    for name in ("contact:start", "contact:resume", "contact:conversation"):
        assert client.post(reverse(name), data).status_code in (200, 302, 400, 403, 429)


def test_budget_rows_and_spent_tokens_do_not_pile_up(client):
    _send(client, message="one")
    later = time.time() + web.FORM_TOKEN_MAX_AGE + 300
    web.throttle_take("new", "all", 100, now=later)
    # Only the row just counted is left: old windows and expired nonces went.
    assert Throttle.objects.count() == 1


def test_behind_a_proxy_the_budget_counts_the_forwarded_address(client, settings):
    settings.INTAKE_WEB_PER_ADDRESS_PER_MINUTE = 1
    settings.INTAKE_WEB_CLIENT_HEADER = "HTTP_X_REAL_IP"
    url = reverse("contact:start")
    for address, expected in (("10.0.0.1", 200), ("10.0.0.2", 200), ("10.0.0.1", 429)):
        data = {"token": _token(), "message": "hello"}
        response = client.post(url, data, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=address)
        assert response.status_code == expected
    assert Contact.objects.count() == 2


def test_the_public_pages_speak_burmese_whatever_the_browser_says(client):
    response = client.get(reverse("contact:resume"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.5")
    assert '<html lang="my">' in response.content.decode()


def _web_root(language: str) -> tuple[Contact, str]:
    from safepassage.intake.conversation import code_and_receipt_issue

    root = Contact.objects.create(
        channel=web.web_channel(), address="web-x", language=language, step="open"
    )
    receipt = code_and_receipt_issue(root)
    root.save()
    return root, receipt


def test_the_conversation_page_follows_the_language_of_the_conversation(client):
    root, receipt = _web_root("my")
    response = client.post(
        reverse("contact:resume"), {"token": _token(), "code": root.code, "receipt": receipt}
    )
    assert response.status_code == 302
    page = client.get(reverse("contact:conversation")).content.decode()
    assert '<html lang="my">' in page


def test_guessers_make_the_owner_wait_a_minute_on_the_web_never_longer(client):
    from safepassage.intake.models import ResumeGuard
    from safepassage.intake.resuming import CODE_FAILURES_ALLOWED, GUARD_DELAY

    root, receipt = _web_root("en")
    client.cookies["django_language"] = "en"
    for prober in range(CODE_FAILURES_ALLOWED):
        client.post(
            reverse("contact:resume"),
            {"token": _token(), "code": root.code, "receipt": "09 4111 11111 / 09 4222 22222"},
            REMOTE_ADDR=f"10.9.0.{prober}",
        )
    owner = {"code": root.code, "receipt": receipt}
    response = client.post(
        reverse("contact:resume"), {"token": _token(), **owner}, REMOTE_ADDR="10.8.0.1"
    )
    assert response.status_code == 429
    assert "Wait 1 minute" in response.content.decode()
    ResumeGuard.objects.exclude(wait_from=None).update(
        wait_from=timezone.now() - GUARD_DELAY - dt.timedelta(seconds=1)
    )
    response = client.post(
        reverse("contact:resume"), {"token": _token(), **owner}, REMOTE_ADDR="10.8.0.1"
    )
    assert response.status_code == 302
