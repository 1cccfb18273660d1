"""Telegram's sender: the Bot API calls (sendMessage with inline buttons,
answerCallbackQuery, deleteMessages) through python-telegram-bot, against
the channel's configurable API address.

Telegram allows about 30 messages a second per bot: a batch is paced at
`PER_BOT_PER_SECOND` (the outbox spaces messages to one chat).

python-telegram-bot is imported on the first send, not with this module:
the registry (and so every process that loads intake: the web server, the
worker, each command) imports this module, and the library costs about
0.8 s of CPU to import, which a process that never sends to Telegram
should not pay (it did not before the registry either)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import warnings
from typing import TYPE_CHECKING, Any

from safepassage.intake.channels.base import Job, Outcome

if TYPE_CHECKING:
    from telegram import Bot

PER_BOT_PER_SECOND = 30
#: deleteMessages takes at most 100 ids.
ERASE_BATCH = 100
#: The Bot API deletes messages up to 48 hours old; a margin is kept.
ERASABLE_FOR = dt.timedelta(hours=47)


class Pace:
    """At most `rate` sends a second for one bot."""

    def __init__(self, rate: int) -> None:
        self.interval = 1.0 / rate
        self.next = time.monotonic()

    async def wait(self) -> None:
        delay = self.next - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self.next = max(self.next, time.monotonic()) + self.interval


def send_telegram(api_url: str, token: str, batch: list[Job]) -> list[Outcome]:
    return asyncio.run(_batch(api_url, token, batch))


def bot_for(api_url: str, token: str) -> Bot:
    from telegram import Bot

    return Bot(token=token, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot")


async def _batch(api_url: str, token: str, batch: list[Job]) -> list[Outcome]:
    from telegram.error import (
        BadRequest,
        Forbidden,
        InvalidToken,
        NetworkError,
        RetryAfter,
        TimedOut,
    )

    outcomes: list[Outcome] = []
    pace = Pace(PER_BOT_PER_SECOND)
    bot = bot_for(api_url, token)
    try:
        async with bot:  # getMe first: nothing is sent if the bot cannot start
            for job in batch:
                await pace.wait()
                outcomes.append(await _one(bot, job))
    except InvalidToken:
        outcomes += [Outcome("failed", reason="bad_token")] * (len(batch) - len(outcomes))
    except (TimedOut, NetworkError, RetryAfter, BadRequest, Forbidden):
        # Raised while starting or closing the bot, never by a send (those are
        # caught one by one): what has no outcome yet was not sent.
        outcomes += [Outcome("retry", reason="network")] * (len(batch) - len(outcomes))
    return outcomes


async def _one(bot: Any, job: Job) -> Outcome:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

    try:
        if job.ack:
            await bot.answer_callback_query(callback_query_id=job.text)
            return Outcome("sent")
        if job.erase:
            for start in range(0, len(job.erase_ids), ERASE_BATCH):
                await bot.delete_messages(
                    chat_id=int(job.address), message_ids=job.erase_ids[start : start + ERASE_BATCH]
                )
            return Outcome("sent")
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=payload)]
                    for payload, label in job.buttons
                ]
            )
            if job.buttons
            else None
        )
        sent = await bot.send_message(chat_id=int(job.address), text=job.text, reply_markup=markup)
    except RetryAfter as exc:
        with warnings.catch_warnings():  # PTB 22 warns that the type will change; both are read
            warnings.simplefilter("ignore")
            after = exc.retry_after
        seconds = after.total_seconds() if isinstance(after, dt.timedelta) else float(after)
        return Outcome("retry", retry_after=seconds, reason="rate_limited")
    except Forbidden:
        return Outcome("failed", reason="blocked", blocked=True)
    except BadRequest:
        return Outcome("failed", reason="refused")
    except TimedOut:  # the request may have reached Telegram
        return Outcome("uncertain", reason="timed_out")
    except NetworkError:
        return Outcome("retry", reason="network")
    except ValueError:
        return Outcome("failed", reason="bad_address")
    return Outcome("sent", provider_message_id=str(sent.message_id))
