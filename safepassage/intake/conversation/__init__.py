"""The bot's side of a conversation, as a table.

A contact moves through `STEPS`: the first message answers with a short
notice and the first question together; then the bot's few questions
(`BOT_QUESTIONS`: only what routing needs — who, where, training or
deployed; the rest waits for a human); then the hand-out of the case code
and the receipt; then an open conversation with staff. The web form
(`web.py`) shows every question of `QUESTIONS` on one page.

Invariants:

* Five bot messages at most come before a human: the notice with the first
  question, two more questions, the code with the receipt, and "someone
  will answer you here" (`tests/test_conversation.py` counts them).
* Stop is offered from the first message on every channel, in words the
  channel can honour (Telegram: stop and delete this chat; Messenger:
  stop, and delete it yourself). After a stop nothing more is sent — the
  bot's pending questions are withdrawn, staff replies wait — until the
  person writes again and chooses to go on.
* A message that is not an answer (a photo, a sticker, a stale button)
  never uses up a question: it is kept for staff, and the question is
  asked again with what is expected. A location answers "where" with the
  nearest township, matched on the server.
* What has served its purpose leaves the Telegram chat: a question and its
  answer once answered, the notice once the person goes on, the code and
  receipt once the person says they are saved (or after
  `outbox.RECEIPT_VISIBLE_FOR`).
* The receipt is sent once, in a message marked `secret` (its body is
  overwritten once sent), and is never sent again. A receipt typed by the
  person to resume is not kept: the message is recorded redacted and
  deleted from the chat.
* A duress word flags the contact silently: the bot answers exactly as it
  would otherwise.
* Resuming never tells whether a case code exists (`resuming.py`).

The package: `script` (the table), `answers` (what answers change on the
contact), `turns` (`conversation_advance`). This module names what the
rest of intake and other apps use.
"""

from __future__ import annotations

from .answers import (
    answer_record,
    code_and_receipt_issue,
    duress_words,
    says_duress_word,
    township_from_location,
)
from .script import (
    BOT_QUESTIONS,
    BTN_CONTINUE,
    BTN_LANGUAGE,
    BTN_RESUME,
    BTN_SAVED,
    BTN_SKIP,
    BTN_STOP,
    LEGACY_STOP,
    MAX_PAYLOAD,
    NOTICE,
    NOTICE_TEXT,
    OPEN,
    QUESTION_BY_NAME,
    QUESTIONS,
    REDACTED,
    RESUME_CODE,
    RESUME_RECEIPT,
    SOURCE_PAYLOAD,
    START,
    STEPS,
    STOP_WORDS,
    STOPPED,
    Choice,
    Question,
    Turn,
    ask_question,
    bot_reply,
    button_label,
    next_question,
    notice_and_first_question,
    stop_button,
)
from .turns import conversation_advance

__all__ = [
    "BOT_QUESTIONS",
    "BTN_CONTINUE",
    "BTN_LANGUAGE",
    "BTN_RESUME",
    "BTN_SAVED",
    "BTN_SKIP",
    "BTN_STOP",
    "LEGACY_STOP",
    "MAX_PAYLOAD",
    "NOTICE",
    "NOTICE_TEXT",
    "OPEN",
    "QUESTIONS",
    "QUESTION_BY_NAME",
    "REDACTED",
    "RESUME_CODE",
    "RESUME_RECEIPT",
    "SOURCE_PAYLOAD",
    "START",
    "STEPS",
    "STOPPED",
    "STOP_WORDS",
    "Choice",
    "Question",
    "Turn",
    "answer_record",
    "ask_question",
    "bot_reply",
    "button_label",
    "code_and_receipt_issue",
    "conversation_advance",
    "duress_words",
    "next_question",
    "notice_and_first_question",
    "says_duress_word",
    "stop_button",
    "township_from_location",
]
