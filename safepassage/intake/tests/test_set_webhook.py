"""channel_set_webhook against local servers speaking the Bot API and the Graph API."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safepassage.audit.models import AuditEvent
from safepassage.intake import services
from safepassage.intake.tests.factories import FACEBOOK_APP_SECRET, TELEGRAM_SECRET
from safepassage.intake.tests.fake_apis import fake_bot_api, fake_graph_api

pytestmark = pytest.mark.django_db
TOKEN = "123456:INVENTED-token"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("channel_set_webhook", *args, stdout=out)
    return out.getvalue()


def test_telegram_set_webhook_sends_url_secret_and_update_types():
    with fake_bot_api() as (url, api):
        channel = services.channel_create(
            actor=None,
            kind="telegram",
            name="Bot",
            token=TOKEN,
            webhook_secret=TELEGRAM_SECRET,
            api_url=url,
        )
        out = _run("Bot", "--base-url", "https://safepassage.example.org")
    call = next(c for c in api.calls if c.method == "setWebhook")
    assert call.token == TOKEN
    assert call.params["url"] == "https://safepassage.example.org" + channel.webhook_path()
    assert call.params["secret_token"] == TELEGRAM_SECRET
    assert call.params["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    assert channel.webhook_path() in out
    assert AuditEvent.objects.filter(action="intake.webhook_registered").exists()


def test_a_telegram_refusal_is_a_clear_error_without_the_token():
    with fake_bot_api() as (url, api):
        services.channel_create(actor=None, kind="telegram", name="Bot", token=TOKEN, api_url=url)
        api.failures["setWebhook"] = (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook"},
        )
        with pytest.raises(CommandError) as caught:
            _run("Bot", "--base-url", "https://safepassage.example.org")
    assert "bad webhook" in str(caught.value).lower()
    assert "INVENTED-token" not in str(caught.value)


def test_facebook_subscribes_the_page_and_prints_the_verify_token():
    with fake_graph_api() as (url, api):
        channel = services.channel_create(
            actor=None,
            kind="facebook",
            name="Page",
            token="EAAG-invented",
            app_secret=FACEBOOK_APP_SECRET,
            api_url=url,
        )
        out = _run("Page", "--base-url", "https://safepassage.example.org")
        (call,) = api.calls
    assert call.path == "/v21.0/me/subscribed_apps"
    assert call.params["subscribed_fields"] == "messages,messaging_postbacks"
    assert call.token == "EAAG-invented"
    assert channel.webhook_secret in out


def test_a_facebook_refusal_is_a_clear_error():
    with fake_graph_api() as (url, api):
        services.channel_create(
            actor=None,
            kind="facebook",
            name="Page",
            token="EAAG-invented",
            app_secret=FACEBOOK_APP_SECRET,
            api_url=url,
        )
        api.failures["subscribed_apps"] = (400, {"error": {"message": "Invalid OAuth token"}})
        with pytest.raises(CommandError, match="Invalid OAuth token"):
            _run("Page", "--base-url", "https://safepassage.example.org")


@pytest.mark.parametrize(
    "args",
    [
        ("Nobody", "--base-url", "https://safepassage.example.org"),
        ("Bot", "--base-url", "http://safepassage.example.org"),
        ("Bot", "--base-url", "ftp://x"),
    ],
)
def test_bad_arguments_are_clear_errors(args):
    services.channel_create(
        actor=None, kind="telegram", name="Bot", token=TOKEN, api_url="http://127.0.0.1:9"
    )
    with pytest.raises(CommandError):
        _run(*args)


def test_an_unreachable_provider_is_a_clear_error():
    services.channel_create(
        actor=None,
        kind="facebook",
        name="Page",
        token="EAAG-invented",
        app_secret=FACEBOOK_APP_SECRET,
        api_url="http://127.0.0.1:9",
    )
    with pytest.raises(CommandError, match="could not be reached"):
        _run("Page", "--base-url", "https://safepassage.example.org")
