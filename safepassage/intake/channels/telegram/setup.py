"""Telegram's set-up: `setWebhook` with the channel's secret token
(`manage.py channel_set_webhook`)."""

from __future__ import annotations

import asyncio

from telegram.error import TelegramError

from safepassage.intake.channels.base import SetupRefused
from safepassage.intake.channels.telegram.sender import bot_for

#: Update types the bot asks Telegram for (others are never sent).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def webhook_register(*, api_url: str, token: str, secret: str | None, url: str) -> None:
    """Tell Telegram to deliver to `url`. Raises SetupRefused."""
    asyncio.run(_set_webhook(api_url, token, secret, url))


async def _set_webhook(api_url: str, token: str, secret: str | None, url: str) -> None:
    bot = bot_for(api_url, token)
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
        raise SetupRefused(f"Telegram refused: {message}") from None
