"""One turn of the conversation: what the bot does after one message
(`conversation_advance`), step by step through `script.STEPS`."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from safepassage.audit.services import audit_record
from safepassage.cases.codes import InvalidCaseCode, case_code_normalize
from safepassage.vault.keys import SYSTEM_SCOPE

from ..channels.registry import channel_type
from ..models import Contact, MessageKind

#: Kept in place of a receipt the person typed.
from ..outbox import BotReply
from ..prompts import private_dispatch, prompt_dispatch, prompt_duress
from ..resuming import ResumeOutcome, resume_check
from ..unit_binding import contact_key_follow
from .answers import (
    answer_record,
    code_and_receipt_issue,
    says_duress_word,
    township_from_location,
)
from .script import (
    BOT_QUESTIONS,
    BTN_CONTINUE,
    BTN_RESUME,
    BTN_SAVED,
    BTN_SKIP,
    LEGACY_STOP,
    NOTICE,
    OPEN,
    QUESTION_BY_NAME,
    RESUME_CODE,
    RESUME_RECEIPT,
    SOURCE_PAYLOAD,
    START,
    STEPS,
    STOP_WORDS,
    STOPPED,
    Question,
    Turn,
    ask_question,
    bot_reply,
    next_question,
    notice_and_first_question,
    stop_button,
)


def _chat_erasable(contact: Contact) -> bool:
    """The bot can delete the person's chat (Telegram; Messenger cannot)."""
    return channel_type(contact.channel.kind).erasable_for is not None


def _finish(contact: Contact, turn: Turn) -> None:
    """The code and the receipt in one secret message, then the message that
    stays: someone will answer here."""
    receipt = code_and_receipt_issue(contact)
    contact.step = OPEN
    telegram = _chat_erasable(contact)
    with translation.override(contact.language or "my"):
        keep = (
            _(
                "Your case code is %(code)s and your two numbers are %(receipt)s. "
                "Save them in your phone's contacts under any name: you need them to "
                "continue on another channel, and we will never send them again. "
                "This message is deleted when you press the button, or in 10 minutes."
            )
            if telegram
            else _(
                "Your case code is %(code)s and your two numbers are %(receipt)s. "
                "Save them in your phone's contacts under any name: you need them to "
                "continue on another channel, and we will never send them again. "
                "Then delete this conversation if your phone may be checked."
            )
        )
        turn.replies.append(
            BotReply(
                str(keep) % {"code": contact.code, "receipt": receipt},
                [(BTN_SAVED.value, str(BTN_SAVED.label))] if telegram else [],
                secret=True,
            )
        )
    turn.replies.append(
        bot_reply(
            contact,
            _("Thank you. Someone will answer you here. You can write more at any time."),
            (stop_button(contact),),
        )
    )
    audit_record(actor=None, action="intake.code_issued", target=contact)


def _command(text: str) -> tuple[str, str]:
    """("/start", "payload") for "/start payload"; ("", "") for plain text."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return "", ""
    word, _space, rest = stripped.partition(" ")
    return word.lower().split("@", 1)[0], rest.strip()


def _source_record(contact: Contact, payload: str) -> None:
    if payload and not contact.source and SOURCE_PAYLOAD.fullmatch(payload):
        contact.source = payload


def _stop(contact: Contact, turn: Turn) -> None:
    """Stop: nothing more is sent. Telegram: the chat is emptied (that is the
    answer). Messenger: one message says what the person must do."""
    if contact.step != STOPPED:
        contact.answers = {**(contact.answers or {}), "_before_stop": contact.step}
    contact.step = STOPPED
    contact.stopped_at = timezone.now()
    turn.withdraw = True
    audit_record(actor=None, action="intake.stopped", target=contact)
    if _chat_erasable(contact):
        turn.erase_chat = True
    else:
        turn.replies.append(
            bot_reply(
                contact,
                _(
                    "Stopped. We will send nothing more unless you write again. "
                    "We cannot delete this conversation from your phone: please "
                    "delete it yourself."
                ),
            )
        )


def _go_on(contact: Contact, turn: Turn) -> None:
    """Back to where the person stopped; staff replies that waited go out."""
    answers = dict(contact.answers or {})
    before = answers.pop("_before_stop", START)
    contact.answers = answers
    contact.stopped_at = None
    audit_record(actor=None, action="intake.went_on", target=contact)
    question = QUESTION_BY_NAME.get(before)
    if before == OPEN:
        contact.step = OPEN
        turn.replies.append(
            bot_reply(
                contact, _("Write here at any time; someone will answer."), (stop_button(contact),)
            )
        )
    elif question is not None and question.by_bot:
        contact.step = question.name
        turn.replies.append(ask_question(contact, question))
    elif before in (RESUME_CODE, RESUME_RECEIPT):
        contact.step = RESUME_CODE
        turn.replies.append(bot_reply(contact, _("Write your case code (SP-…)."), transient=True))
    else:
        contact.step = BOT_QUESTIONS[0].name
        turn.replies.append(notice_and_first_question(contact))


def conversation_advance(contact: Contact, kind: str, body: str) -> Turn:
    """Read one inbound message (`kind`, `body` as recorded) at the
    contact's step; update the contact (not saved) and say what to send."""
    turn = Turn()
    text = body if kind in (MessageKind.TEXT, MessageKind.EDITED) else ""
    pressed = body if kind == MessageKind.BUTTON else ""
    command, argument = _command(text)
    if text and says_duress_word(text):
        if not contact.duress:
            contact.duress = True
            audit_record(actor=None, action="intake.duress_signalled", target=contact)
        prompt_duress(contact)  # a plan under way raises its own alarm
    if kind == MessageKind.EDITED:
        return turn  # an edit changes no answer; staff see it
    step = contact.step if contact.step in STEPS else START
    if pressed in ("stop", LEGACY_STOP) or text.strip().casefold() in STOP_WORDS:
        _stop(contact, turn)
        return turn
    private = private_dispatch(contact, text) if text and step != STOPPED else None
    if private is not None:  # not for the unit's log (`prompts.PrivateHandler`)
        turn.redact = True
        with translation.override(contact.language or "my"):
            turn.replies += [BotReply(str(reply), secret=True) for reply in private]
        return turn
    answered = prompt_dispatch(contact, pressed) if pressed else None
    if answered is not None:  # a prompt's button (`prompts.py`): its app answers
        turn.replies += [bot_reply(contact, reply) for reply in answered]
        return turn
    if step == STOPPED:
        if pressed == BTN_CONTINUE.value or command == "/start":
            _source_record(contact, argument)
            _go_on(contact, turn)
        else:  # written again: ask, and send nothing else until they choose
            turn.replies.append(
                bot_reply(
                    contact,
                    _("You stopped this conversation. Do you want to go on?"),
                    (BTN_CONTINUE, stop_button(contact)),
                    transient=True,
                )
            )
        return turn
    if pressed == BTN_SAVED.value:
        turn.erase_receipt = True
        return turn
    if command == "/resume" or (pressed == BTN_RESUME.value and contact.code is None):
        contact.step = RESUME_CODE
        turn.served = True
        turn.erase_served = True
        turn.replies.append(bot_reply(contact, _("Write your case code (SP-…)."), transient=True))
        return turn
    if pressed.startswith("lang:") and pressed[5:] in ("my", "en"):
        contact.language = pressed[5:]
        at_first = step in (START, NOTICE, BOT_QUESTIONS[0].name) and contact.code is None
        if at_first:
            contact.step = BOT_QUESTIONS[0].name
            turn.erase_served = True
            turn.replies.append(notice_and_first_question(contact))
        else:
            turn.replies.append(bot_reply(contact, _("OK.")))
        return turn
    if step in (START, NOTICE) or (command == "/start" and contact.code is None):
        _source_record(contact, argument if command == "/start" else "")
        contact.step = BOT_QUESTIONS[0].name
        turn.erase_served = step not in (START, NOTICE)
        turn.replies.append(notice_and_first_question(contact))
        return turn
    if step == RESUME_CODE:
        return _read_code(contact, text, turn)
    if step == RESUME_RECEIPT:
        return _read_receipt(contact, text, turn)
    question = QUESTION_BY_NAME.get(step)
    if question is not None:
        return _read_answer(contact, question, kind, text, pressed, command, body, turn)
    if command == "/start":
        turn.replies.append(
            bot_reply(
                contact, _("Write here at any time; someone will answer."), (stop_button(contact),)
            )
        )
    return turn


def _read_code(contact: Contact, text: str, turn: Turn) -> Turn:
    turn.served = bool(text)
    try:
        code = case_code_normalize(text)
    except InvalidCaseCode:
        turn.replies.append(
            bot_reply(
                contact,
                _("That is not a case code. Write it again, or /start."),
                transient=True,
            )
        )
        return turn
    contact.answers = {**(contact.answers or {}), "_resume_code": code}
    contact.step = RESUME_RECEIPT
    turn.erase_served = True
    turn.replies.append(
        bot_reply(contact, _("Now write the two numbers you saved."), transient=True)
    )
    return turn


def _read_receipt(contact: Contact, text: str, turn: Turn) -> Turn:
    turn.redact = bool(text)
    answers = dict(contact.answers or {})
    code = str(answers.get("_resume_code", ""))
    result = resume_check(code, text, source=f"contact:{contact.pk}", by=contact)
    if result.outcome == ResumeOutcome.WAIT:
        minutes = max(1, (result.wait_seconds + 59) // 60)
        with translation.override(contact.language or "my"):
            wait = _(
                "Too many tries were made. Wait %(minutes)s minute(s), then send "
                "the two numbers again."
            ) % {"minutes": minutes}
        turn.replies.append(bot_reply(contact, str(wait), transient=True))
        return turn
    answers.pop("_resume_code", None)
    contact.answers = answers
    turn.erase_served = True
    if result.root is not None:
        # The key follows the unit that reads the conversation now (a
        # handed-over one's case unit): moved with the column, here.
        before = contact.vault_bound_scope() or SYSTEM_SCOPE
        contact.continues = result.root
        contact_key_follow(contact, from_scope=before)
        contact.language = contact.language or result.root.language
        contact.step = OPEN
        turn.replies.append(
            bot_reply(
                contact,
                _("Welcome back. Write here; we will answer here."),
                (stop_button(contact),),
            )
        )
    else:
        contact.step = NOTICE if contact.code is None else OPEN
        turn.replies.append(
            bot_reply(contact, _("The code and the numbers do not match. Try again later."))
        )
    return turn


def _read_answer(
    contact: Contact,
    question: Question,
    kind: str,
    text: str,
    pressed: str,
    command: str,
    body: str,
    turn: Turn,
) -> Turn:
    """An answer moves on; anything else asks the same question again."""
    chosen = {c.value for c in question.choices}
    if pressed.startswith("a:") and pressed[2:] in chosen:
        answer_record(contact, question, pressed[2:], chosen=True)
    elif pressed == BTN_SKIP.value:
        pass
    elif text and not command:
        answer_record(contact, question, text, chosen=False)
    elif (
        kind == MessageKind.LOCATION
        and question.name == "township"
        and township_from_location(contact, body)
    ):
        pass
    else:  # a photo, a sticker, a stale button, a command: not an answer
        hint = (
            _("Please answer with a button or a few words, or press Skip.")
            if question.choices
            else _("Please answer in a few words, or press Skip.")
        )
        turn.replies.append(ask_question(contact, question, hint=hint))
        return turn
    if question is BOT_QUESTIONS[0]:
        audit_record(actor=None, action="intake.consented", target=contact)
    turn.served = True
    turn.erase_served = True
    following = next_question(question.name)
    if following is None:
        _finish(contact, turn)
    else:
        contact.step = following.name
        turn.replies.append(ask_question(contact, following))
    return turn
