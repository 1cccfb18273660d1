"""channel_add: the webhook path and secret printed; bad input a clear error."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safepassage.intake.models import Channel

pytestmark = pytest.mark.django_db


def _run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("channel_add", *args, stdout=out)
    finally:
        sys.stdin = old
    return out.getvalue()


def test_a_telegram_channel_is_added_with_a_fresh_secret_and_the_token_from_stdin():
    out = _run("telegram", "--name", "Programme bot", "--token", "-", stdin="123:SECRET-TOKEN\n")
    channel = Channel.objects.get()
    assert channel.token == "123:SECRET-TOKEN"
    assert channel.webhook_path() in out
    assert channel.webhook_secret in out
    assert len(channel.webhook_secret) >= 40
    assert "SECRET-TOKEN" not in out
    raw = Channel.objects.values_list("token", "webhook_secret").get()
    assert "SECRET-TOKEN" not in str(raw)


@pytest.mark.parametrize(
    "args",
    [
        ("telegram", "--name", "", "--token", "x"),
        ("facebook", "--name", "Page", "--token", "x"),  # no app secret
        ("telegram", "--name", "Bot", "--token", "x", "--unit", "999999"),
        ("telegram", "--name", "Bot", "--token", "x", "--api-url", "not a url"),
    ],
)
def test_bad_input_is_a_clear_error_and_adds_nothing(args):
    with pytest.raises(CommandError):
        _run(*args)
    assert not Channel.objects.exists()


def test_a_name_is_used_once():
    _run("telegram", "--name", "Bot", "--token", "x")
    with pytest.raises(CommandError, match="exists already"):
        _run("telegram", "--name", "Bot", "--token", "y")
