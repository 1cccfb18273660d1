"""``manage.py channel_set_webhook NAME --base-url https://HOST``: tell the
provider where to deliver.

Telegram: `setWebhook` with the channel's secret token, through
python-telegram-bot against the channel's API address. Facebook: the page
subscribes the app to its `messages` and `messaging_postbacks` (the
callback URL and verify token are set once in the app's dashboard; the
command prints them). Errors are printed without the token.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepassage.audit.services import audit_record
from safepassage.intake.models import Channel, ChannelKind
from safepassage.vault.exceptions import VaultError

#: Update types the bot asks Telegram for (others are never sent).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
GRAPH_VERSION = "v21.0"


class Command(BaseCommand):
    help = "Register a channel's webhook address with its provider."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the channel's name (channel_add --name)")
        parser.add_argument("--base-url", required=True, help="https://the.public.host")

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["base_url"].rstrip("/")
        parts = urlsplit(base)
        loopback = parts.hostname in ("127.0.0.1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise CommandError("--base-url must be https:// (providers deliver only there).")
        try:
            channel = Channel.objects.filter(name=options["name"], is_active=True).first()
            if channel is None:
                raise CommandError(f"No active channel named {options['name']!r}.")
            url = base + channel.webhook_path()
            if channel.kind == ChannelKind.TELEGRAM:
                # Decrypted here: the ORM is not for the event loop.
                asyncio.run(
                    _telegram(channel.api_url, channel.token or "", channel.webhook_secret, url)
                )
                self.stdout.write(f"Telegram will deliver to {url}")
            else:
                _facebook(channel)
                self.stdout.write(
                    f"The page is subscribed. In the app's dashboard, the callback URL is {url} "
                    f"and the verify token is {channel.webhook_secret}"
                )
            audit_record(
                actor=None,
                action="intake.webhook_registered",
                target=channel,
                details={"kind": channel.kind},
            )
        except VaultError as exc:
            raise CommandError(f"{exc} Unlock the key ring first.") from None


async def _telegram(api_url: str, token: str, secret: str | None, url: str) -> None:
    from telegram import Bot
    from telegram.error import TelegramError

    bot = Bot(token=token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot")
    try:
        async with bot:
            await bot.set_webhook(
                url=url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
    except TelegramError as exc:
        message = str(exc).replace(token, "<token>") if token else str(exc)
        raise CommandError(f"Telegram refused: {message}") from None


def _facebook(channel: Channel) -> None:
    try:
        response = httpx.post(
            f"{channel.api_url}/{GRAPH_VERSION}/me/subscribed_apps",
            data={
                "subscribed_fields": "messages,messaging_postbacks",
                "access_token": channel.token or "",
            },
            timeout=15,
        )
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise CommandError(f"The Graph API could not be reached: {type(exc).__name__}") from None
    if response.status_code != 200 or answer.get("success") is not True:
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        detail = error.get("message", "no reason given") if isinstance(error, dict) else ""
        raise CommandError(f"Facebook refused ({response.status_code}): {detail}")
