"""The outbox: messages to contacts, sent through each contact's own channel.

Guarantees, and what they cost:

* **Nothing lost**: a message is a row before it is anything else; every
  outcome is recorded on it (sent, queued again for later, failed with a
  reason code, or uncertain).
* **Nothing sent twice**: a sender claims a message (state `sending`, with
  a lease) in one transaction and sends it after commit. Neither provider
  takes an idempotency key, so a sender that dies mid-send leaves the
  message `uncertain` when its lease runs out: it is *not* sent again
  automatically; staff decide (the person's safety is better served by a
  missing reply than by a duplicate arriving at the wrong moment). A send
  that failed before reaching the provider (no connection, a 5xx, Telegram's
  429 with `retry_after`) is queued again with back-off.
* **Secrets**: a `secret` message (the receipt) is overwritten once sent,
  failed or uncertain; the conversation log keeps only that it was shown.
* **Erasing chats**: an `erase` entry deletes messages from the person's
  Telegram chat (`deleteMessages`, 100 at a time; the Bot API refuses
  messages older than 48 hours). Messenger offers no such call: there the
  bot asks the person to delete the conversation.
* **The web form** has nothing to send to: its messages count as sent at
  once and wait for the person to resume on the web.
* **Provider limits**: Telegram allows about 30 messages a second per bot
  and one a second per chat. The sender spaces messages to one chat by
  `PER_CHAT_SECONDS` (a later one waits, others go first, so one chatty
  contact never starves the rest) and paces each bot at `PER_BOT_PER_SECOND`.
* **In order, on time**: a conversation's messages leave in the order they
  were queued (a message waits while an earlier one to the same contact is
  queued or being sent), each as soon as the limits allow. A message due
  later is not left for the next inbound message or a timer: every sender
  run that leaves something queued wakes the worker again when the
  earliest of it falls due (`outbox.tasks.outbox_wake`).
* **Stopping**: while a contact has stopped the conversation
  (`Contact.stopped_at`), staff replies wait unsent and the bot's pending
  questions are withdrawn; erasing the chat still goes ahead.
* **The chat keeps little**: a `transient` message (a question, the
  notice) is deleted from the person's Telegram chat once it has served;
  the receipt once the person says it is saved, or `RECEIPT_VISIBLE_FOR`
  after it was sent, whichever is first.

The package: `rows` (what a queued message is made of), `queue` (every
way a message is queued), `sending` (claim, send through the channel's
sender, settle), `tasks` (the worker's sender run and its wake-up). This
module names what other modules use.
"""

from __future__ import annotations

from .queue import (
    bot_reply_queue,
    button_ack_queue,
    chat_erase_queue,
    chat_receipt_erase,
    chat_transient_erase,
    chats_erase_due,
    message_queue,
    outbox_withdraw_bot_messages,
    reply_queue,
    reply_route,
)
from .rows import (
    LEASE,
    MAX_ATTEMPTS,
    MAX_TEXT,
    PER_CHAT_SECONDS,
    RECEIPT_VISIBLE_FOR,
    SECRET_SHOWN,
    BotReply,
    outbox_next_due,
)
from .sending import outbox_recover, outbox_send_all, outbox_send_due
from .tasks import outbox_wake, send_outbox

__all__ = [
    "LEASE",
    "MAX_ATTEMPTS",
    "MAX_TEXT",
    "PER_CHAT_SECONDS",
    "RECEIPT_VISIBLE_FOR",
    "SECRET_SHOWN",
    "BotReply",
    "bot_reply_queue",
    "button_ack_queue",
    "chat_erase_queue",
    "chat_receipt_erase",
    "chat_transient_erase",
    "chats_erase_due",
    "message_queue",
    "outbox_next_due",
    "outbox_recover",
    "outbox_send_all",
    "outbox_send_due",
    "outbox_wake",
    "outbox_withdraw_bot_messages",
    "reply_queue",
    "reply_route",
    "send_outbox",
]
