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
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safepassage.audit.services import audit_record
from safepassage.cases.codes import InvalidCaseCode, case_code_generate, case_code_normalize
from safepassage.cases.selectors import case_code_taken
from safepassage.language import normalize_text
from safepassage.vault.keys import SYSTEM_SCOPE

from .models import ChannelKind, Contact, MessageKind
from .prompts import private_dispatch, prompt_dispatch, prompt_duress, prompt_label
from .receipts import receipt_filter, receipt_generate, receipt_hash
from .resuming import ResumeOutcome, resume_check
from .unit_binding import contact_key_follow

#: Kept in place of a receipt the person typed.
REDACTED = "[receipt typed: not kept]"
#: Telegram's callback_data holds at most 64 bytes; payloads stay far below.
MAX_PAYLOAD = 64
#: What a deep link (`/start <payload>`) may carry: Telegram's own alphabet.
SOURCE_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Choice:
    value: str
    label: Promise


@dataclass(frozen=True)
class Question:
    """One question. `choices` become buttons; free text is always taken."""

    name: str
    prompt: Promise
    choices: tuple[Choice, ...] = ()
    #: A short name for the answer where it is shown to staff.
    label: Promise | None = None
    #: Free-text answers are kept up to this many characters.
    max_length: int = 300
    #: Asked by the bots; the others wait until a human is talking.
    by_bot: bool = False
    #: The wording on the web form, where it must match a different control
    #: (radio buttons offer no place to write; a text box no choice).
    web_prompt: Promise | None = None

    @property
    def form_prompt(self) -> Promise:
        return self.web_prompt or self.prompt


# Button labels are written short ("button" context): Messenger shows at
# most 20 characters of a quick reply.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "category",
        _("Who are you? Choose, or write it in your own words."),
        (
            Choice("conscript", pgettext_lazy("button", "Conscript")),
            Choice("soldier", pgettext_lazy("button", "Soldier")),
            Choice("police", pgettext_lazy("button", "Police officer")),
            Choice("other", pgettext_lazy("button", "Other")),
        ),
        by_bot=True,
        web_prompt=_("Who are you?"),
        label=_("Who they are"),
    ),
    Question(
        "township",
        _(
            "Which township are you in now? Write its name (Burmese or English), "
            "or share a location."
        ),
        max_length=100,
        by_bot=True,
        web_prompt=_("Which township are you in now? Write its name (Burmese or English)."),
        label=_("Township now"),
    ),
    Question(
        "stage",
        _("Are you in training or deployed?"),
        (
            Choice("in_training", pgettext_lazy("button", "In training")),
            Choice("deployed", pgettext_lazy("button", "Deployed")),
            Choice("other", pgettext_lazy("button", "Other")),
        ),
        by_bot=True,
        label=_("Training or deployed"),
    ),
    Question(
        "weapons",
        _("Could you bring weapons or ammunition? Write what, or choose None."),
        (Choice("none", pgettext_lazy("button", "None")),),
        web_prompt=_("Could you bring weapons or ammunition? Write what, or leave it empty."),
        label=_("Weapons or ammunition"),
    ),
    Question(
        "leave_when",
        _("When could you leave? A day or a time is enough."),
        label=_("When they could leave"),
    ),
    Question(
        "reach",
        _("How can we reach you safely? Here is fine; or another way and the hours to use it."),
        label=_("How to reach them"),
    ),
)
QUESTION_BY_NAME = {q.name: q for q in QUESTIONS}
BOT_QUESTIONS = tuple(q for q in QUESTIONS if q.by_bot)

#: Step -> what the person's next message is read as.
START, NOTICE, OPEN = "start", "notice", "open"
RESUME_CODE, RESUME_RECEIPT, STOPPED = "resume_code", "resume_receipt", "stopped"
STEPS = (START, NOTICE, *QUESTION_BY_NAME, RESUME_CODE, RESUME_RECEIPT, OPEN, STOPPED)

NOTICE_TEXT: dict[str, Promise] = {
    ChannelKind.TELEGRAM: _(
        "Hello. You can write to us here safely. Answer only what you want to; "
        "every question can be skipped. We will not share what you write. "
        "To stop at any time and delete this chat from your phone, press Stop "
        "or write /stop."
    ),
    ChannelKind.FACEBOOK: _(
        "Hello. You can write to us here safely. Answer only what you want to; "
        "every question can be skipped. We will not share what you write. "
        "To stop at any time, press Stop or write STOP. Messenger does not let us "
        "delete messages: if your phone may be checked, delete this conversation yourself."
    ),
}
BTN_CONTINUE = Choice("go", pgettext_lazy("button", "Go on"))
BTN_RESUME = Choice("resume", pgettext_lazy("button", "I have a case code"))
BTN_SKIP = Choice("skip", pgettext_lazy("button", "Skip"))
BTN_SAVED = Choice("saved", pgettext_lazy("button", "I saved them"))
BTN_STOP: dict[str, Choice] = {
    ChannelKind.TELEGRAM: Choice("stop", pgettext_lazy("button", "Stop and delete")),
    ChannelKind.FACEBOOK: Choice("stop", pgettext_lazy("button", "Stop")),
}
BTN_LANGUAGE = {
    "my": Choice("lang:en", pgettext_lazy("button", "English")),
    "en": Choice("lang:my", pgettext_lazy("button", "Burmese")),
}
#: What a person may write to stop (whole message, any case).
STOP_WORDS = {"/stop", "/delete", "/erase", "stop", "ရပ်", "ရပ်ပါ"}
#: Payloads of buttons no longer offered, still honoured from old chats.
LEGACY_STOP = "erase"


@dataclass
class BotReply:
    body: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    secret: bool = False
    #: Deleted from the chat once it has served its purpose.
    transient: bool = False


@dataclass
class Turn:
    """What the bot does after one message."""

    replies: list[BotReply] = field(default_factory=list)
    #: The message must be recorded without its text (a typed receipt).
    redact: bool = False
    #: The person's message has served once recorded (an answer, a typed
    #: code): deleted from the chat with the question it answered.
    served: bool = False
    #: Delete from the chat what has served its purpose (`served`, the
    #: transient messages before).
    erase_served: bool = False
    #: Delete the whole conversation from the person's chat.
    erase_chat: bool = False
    #: Delete the code and receipt from the chat (the person saved them).
    erase_receipt: bool = False
    #: The bot's queued messages are withdrawn (the person stopped).
    withdraw: bool = False


def _stop_button(contact: Contact) -> Choice:
    return BTN_STOP.get(contact.channel.kind, BTN_STOP[ChannelKind.FACEBOOK])


def _reply(
    contact: Contact,
    text: Promise | str,
    choices: tuple[Choice, ...] = (),
    *,
    transient: bool = False,
) -> BotReply:
    with translation.override(contact.language or "my"):
        return BotReply(str(text), [(c.value, str(c.label)) for c in choices], transient=transient)


def _ask(contact: Contact, question: Question, *, hint: Promise | None = None) -> BotReply:
    """A question with its choices as buttons ("a:<value>"), Skip and Stop;
    transient: it leaves the chat once answered."""
    answers = tuple(Choice(f"a:{c.value}", c.label) for c in question.choices)
    with translation.override(contact.language or "my"):
        text = f"{hint}\n\n{question.prompt}" if hint else str(question.prompt)
    return _reply(contact, text, (*answers, BTN_SKIP, _stop_button(contact)), transient=True)


def _notice_and_first_question(contact: Contact) -> BotReply:
    """The first message: how to write safely, how to stop, and the first
    question, with a way to resume and the other language."""
    first = BOT_QUESTIONS[0]
    answers = tuple(Choice(f"a:{c.value}", c.label) for c in first.choices)
    notice = NOTICE_TEXT.get(contact.channel.kind, NOTICE_TEXT[ChannelKind.FACEBOOK])
    with translation.override(contact.language or "my"):
        text = f"{notice}\n\n{first.prompt}"
    language = BTN_LANGUAGE["en" if contact.language == "en" else "my"]
    buttons = (*answers, BTN_SKIP, BTN_RESUME, _stop_button(contact), language)
    return _reply(contact, text, buttons, transient=True)


def duress_words() -> list[str]:
    return [normalize_text(w).casefold() for w in settings.INTAKE_DURESS_WORDS if w.strip()]


def says_duress_word(text: str) -> bool:
    """A configured duress word, as a whole word (any case, either script)."""
    words = duress_words()
    if not words or not text:
        return False
    said = normalize_text(text).casefold()
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", said) is not None for word in words)


def answer_record(contact: Contact, question: Question, value: str, *, chosen: bool) -> None:
    """Store one answer (a choice's value, or free text) on `contact`."""
    answers: dict[str, Any] = dict(contact.answers or {})
    if chosen:
        answers[question.name] = value
    else:
        text = normalize_text(value).strip()[: question.max_length]
        if not text:
            return
        answers[question.name] = text
        if question.name == "township":
            from safepassage.geo.selectors import township_search

            found = township_search(text, limit=1)
            answers["township_pcode"] = found[0].pcode if found else ""
    contact.answers = answers


def township_from_location(contact: Contact, body: str) -> bool:
    """Answer "where" with the township nearest to a shared location (matched
    on the server; the point never leaves it). False if the body holds no
    usable point."""
    from safepassage.geo.selectors import township_nearest

    try:
        point = json.loads(body)
        latitude, longitude = float(point["latitude"]), float(point["longitude"])
    except (ValueError, TypeError, KeyError):
        return False
    township = township_nearest(latitude, longitude)
    if township is None:
        return False
    answers: dict[str, Any] = dict(contact.answers or {})
    answers["township"] = township.name_my if contact.language != "en" else township.name_en
    answers["township_pcode"] = township.pcode
    answers["township_from_location"] = True
    contact.answers = answers
    return True


def next_question(name: str) -> Question | None:
    names = [q.name for q in BOT_QUESTIONS]
    position = names.index(name) + 1
    return BOT_QUESTIONS[position] if position < len(BOT_QUESTIONS) else None


def code_and_receipt_issue(contact: Contact) -> str:
    """Give `contact` a fresh case code and return a fresh receipt (stored
    only as its hash). The caller shows the receipt once."""
    receipt = receipt_generate()
    contact.receipt_hash = receipt_hash(receipt)
    contact.receipt_filter = receipt_filter(receipt)
    for _attempt in range(5):
        code = case_code_generate()
        if not Contact.objects.filter(code=code).exists() and not case_code_taken(code):
            contact.code = code
            break
    else:
        raise IntegrityError("Could not draw an unused case code.")
    return receipt


def _finish(contact: Contact, turn: Turn) -> None:
    """The code and the receipt in one secret message, then the message that
    stays: someone will answer here."""
    receipt = code_and_receipt_issue(contact)
    contact.step = OPEN
    telegram = contact.channel.kind == ChannelKind.TELEGRAM
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
        _reply(
            contact,
            _("Thank you. Someone will answer you here. You can write more at any time."),
            (_stop_button(contact),),
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
    if contact.channel.kind == ChannelKind.TELEGRAM:
        turn.erase_chat = True
    else:
        turn.replies.append(
            _reply(
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
            _reply(
                contact, _("Write here at any time; someone will answer."), (_stop_button(contact),)
            )
        )
    elif question is not None and question.by_bot:
        contact.step = question.name
        turn.replies.append(_ask(contact, question))
    elif before in (RESUME_CODE, RESUME_RECEIPT):
        contact.step = RESUME_CODE
        turn.replies.append(_reply(contact, _("Write your case code (SP-…)."), transient=True))
    else:
        contact.step = BOT_QUESTIONS[0].name
        turn.replies.append(_notice_and_first_question(contact))


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
        turn.replies += [_reply(contact, reply) for reply in answered]
        return turn
    if step == STOPPED:
        if pressed == BTN_CONTINUE.value or command == "/start":
            _source_record(contact, argument)
            _go_on(contact, turn)
        else:  # written again: ask, and send nothing else until they choose
            turn.replies.append(
                _reply(
                    contact,
                    _("You stopped this conversation. Do you want to go on?"),
                    (BTN_CONTINUE, _stop_button(contact)),
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
        turn.replies.append(_reply(contact, _("Write your case code (SP-…)."), transient=True))
        return turn
    if pressed.startswith("lang:") and pressed[5:] in ("my", "en"):
        contact.language = pressed[5:]
        at_first = step in (START, NOTICE, BOT_QUESTIONS[0].name) and contact.code is None
        if at_first:
            contact.step = BOT_QUESTIONS[0].name
            turn.erase_served = True
            turn.replies.append(_notice_and_first_question(contact))
        else:
            turn.replies.append(_reply(contact, _("OK.")))
        return turn
    if step in (START, NOTICE) or (command == "/start" and contact.code is None):
        _source_record(contact, argument if command == "/start" else "")
        contact.step = BOT_QUESTIONS[0].name
        turn.erase_served = step not in (START, NOTICE)
        turn.replies.append(_notice_and_first_question(contact))
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
            _reply(
                contact, _("Write here at any time; someone will answer."), (_stop_button(contact),)
            )
        )
    return turn


def _read_code(contact: Contact, text: str, turn: Turn) -> Turn:
    turn.served = bool(text)
    try:
        code = case_code_normalize(text)
    except InvalidCaseCode:
        turn.replies.append(
            _reply(
                contact,
                _("That is not a case code. Write it again, or /start."),
                transient=True,
            )
        )
        return turn
    contact.answers = {**(contact.answers or {}), "_resume_code": code}
    contact.step = RESUME_RECEIPT
    turn.erase_served = True
    turn.replies.append(_reply(contact, _("Now write the two numbers you saved."), transient=True))
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
        turn.replies.append(_reply(contact, str(wait), transient=True))
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
            _reply(
                contact,
                _("Welcome back. Write here; we will answer here."),
                (_stop_button(contact),),
            )
        )
    else:
        contact.step = NOTICE if contact.code is None else OPEN
        turn.replies.append(
            _reply(contact, _("The code and the numbers do not match. Try again later."))
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
        turn.replies.append(_ask(contact, question, hint=hint))
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
        turn.replies.append(_ask(contact, following))
    return turn


def button_label(payload: str, language: str) -> str:
    """What a button said, for display (staff and the person), in
    `language`: the label, never the payload."""
    candidates: dict[str, Choice] = {
        c.value: c for c in (BTN_CONTINUE, BTN_RESUME, BTN_SKIP, BTN_SAVED, *BTN_STOP.values())
    }
    candidates.update({c.value: c for c in BTN_LANGUAGE.values()})
    candidates[LEGACY_STOP] = BTN_STOP[ChannelKind.TELEGRAM]
    for question in QUESTIONS:
        candidates.update({f"a:{c.value}": c for c in question.choices})
    choice = candidates.get(payload)
    prompted = prompt_label(payload, language or "my")
    if prompted is not None:
        return prompted
    with translation.override(language or "my"):
        return str(choice.label) if choice is not None else str(_("(an old button)"))
