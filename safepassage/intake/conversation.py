"""The bot's side of a conversation, as a table.

A contact moves through `STEPS`: a notice (consent and safety, with a
language switch), then the `QUESTIONS` one by one, then the hand-out of a
case code and a receipt, then an open conversation with staff. Every
answer is optional (a Skip button, or any free text is taken as the
answer); buttons are offered where the channel has them and typed text is
always accepted. The same table renders the web form (`web.py`).

Invariants:

* The bot's messages are short and neutral: none names the programme's
  purpose beyond what the person already knows, none repeats an answer.
* The receipt is sent once, in a message marked `secret` (its body is
  overwritten once sent) and is never sent again. A receipt typed by the
  person to resume is not kept: the message is recorded redacted and
  deleted from the chat.
* A duress word flags the contact silently: the bot answers exactly as it
  would otherwise.
* Resuming never tells whether a case code exists: a wrong code and a
  wrong receipt get the same answer; wrong receipts for one code are
  limited (`RESUME_FAILURES_ALLOWED`, then `RESUME_BLOCK`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safepassage.audit.services import audit_record
from safepassage.cases.codes import InvalidCaseCode, case_code_generate, case_code_normalize
from safepassage.language import normalize_text

from .models import ChannelKind, Contact, MessageKind
from .receipts import receipt_generate, receipt_hash, receipt_verify

RESUME_FAILURES_ALLOWED = 5
RESUME_BLOCK = dt.timedelta(hours=1)
#: Kept in place of a receipt the person typed.
REDACTED = "[receipt typed: not kept]"
#: Telegram's callback_data holds at most 64 bytes; payloads stay far below.
MAX_PAYLOAD = 64


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
    #: Free-text answers are kept up to this many characters.
    max_length: int = 300


QUESTIONS: tuple[Question, ...] = (
    Question(
        "category",
        _("Who are you? Choose, or write it in your own words."),
        (
            Choice("conscript", _("Conscript")),
            Choice("soldier", _("Soldier")),
            Choice("police", _("Police officer")),
            Choice("other", _("Other")),
        ),
    ),
    Question(
        "township",
        _("Which township are you in now? Write its name (Burmese or English)."),
        max_length=100,
    ),
    Question(
        "stage",
        _("Are you in training or deployed?"),
        (
            Choice("in_training", _("In training")),
            Choice("deployed", _("Deployed")),
            Choice("other", _("Other")),
        ),
    ),
    Question(
        "weapons",
        _("Could you bring weapons or ammunition? Write what, or choose None."),
        (Choice("none", _("None")),),
    ),
    Question("leave_when", _("When could you leave? A day or a time is enough.")),
    Question(
        "reach",
        _("How can we reach you safely? Here is fine; or another way and the hours to use it."),
    ),
)
QUESTION_BY_NAME = {q.name: q for q in QUESTIONS}

#: Step -> what the person's next message is read as.
START, NOTICE, OPEN = "start", "notice", "open"
RESUME_CODE, RESUME_RECEIPT = "resume_code", "resume_receipt"
STEPS = (START, NOTICE, *QUESTION_BY_NAME, RESUME_CODE, RESUME_RECEIPT, OPEN)

NOTICE_TEXT = _(
    "Hello. You can write to us here safely. Answer only what you want to; "
    "every question can be skipped. We will not share what you write. "
    "If your phone may be checked, delete this chat when you are done: "
    "there is a button for it."
)
BTN_CONTINUE = Choice("go", _("Continue"))
BTN_RESUME = Choice("resume", _("I have a case code"))
BTN_SKIP = Choice("skip", _("Skip"))
BTN_ERASE = Choice("erase", _("Delete this chat"))
BTN_LANGUAGE = {
    "my": Choice("lang:en", _("English")),
    "en": Choice("lang:my", _("Burmese")),
}


@dataclass
class BotReply:
    body: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    secret: bool = False


@dataclass
class Turn:
    """What the bot does after one message."""

    replies: list[BotReply] = field(default_factory=list)
    #: The message must be recorded without its text (a typed receipt).
    redact: bool = False
    #: Delete the whole conversation from the person's chat.
    erase_chat: bool = False


def _language_label(language: str) -> Choice:
    return BTN_LANGUAGE["en" if language == "en" else "my"]


def _reply(contact: Contact, text: Promise | str, choices: tuple[Choice, ...] = ()) -> BotReply:
    with translation.override(contact.language or "my"):
        return BotReply(str(text), [(c.value, str(c.label)) for c in choices])


def _ask(contact: Contact, question: Question) -> BotReply:
    """A question with its choices as buttons ("a:<value>") and Skip."""
    answers = tuple(Choice(f"a:{c.value}", c.label) for c in question.choices)
    return _reply(contact, question.prompt, (*answers, BTN_SKIP))


def _notice(contact: Contact) -> BotReply:
    return _reply(
        contact, NOTICE_TEXT, (BTN_CONTINUE, BTN_RESUME, _language_label(contact.language))
    )


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


def next_question(name: str) -> Question | None:
    names = [q.name for q in QUESTIONS]
    position = names.index(name) + 1
    return QUESTIONS[position] if position < len(QUESTIONS) else None


def code_and_receipt_issue(contact: Contact) -> str:
    """Give `contact` a fresh case code and return a fresh receipt (stored
    only as its hash). The caller shows the receipt once."""
    receipt = receipt_generate()
    contact.receipt_hash = receipt_hash(receipt)
    for _attempt in range(5):
        code = case_code_generate()
        if not Contact.objects.filter(code=code).exists() and not _case_code_taken(code):
            contact.code = code
            break
    else:
        raise IntegrityError("Could not draw an unused case code.")
    return receipt


def _case_code_taken(code: str) -> bool:
    from safepassage.cases.models import Case

    return Case.objects.filter(code=code).exists()


def _finish(contact: Contact, turn: Turn) -> None:
    receipt = code_and_receipt_issue(contact)
    contact.step = OPEN
    with translation.override(contact.language or "my"):
        turn.replies.append(
            BotReply(
                str(_("Thank you. Your case code is %(code)s. Keep it.")) % {"code": contact.code}
            )
        )
        turn.replies.append(
            BotReply(
                str(
                    _(
                        "To continue on another channel you need these two numbers as well. "
                        "Save them in your phone's contacts under any name; we will never send "
                        "them again: %(receipt)s"
                    )
                )
                % {"receipt": receipt},
                secret=True,
            )
        )
        turn.replies.append(
            BotReply(
                str(_("Someone will answer you here. You can write more at any time.")),
                [(BTN_ERASE.value, str(BTN_ERASE.label))],
            )
        )
    audit_record(actor=None, action="intake.code_issued", target=contact)


def resume_verify(code: str, receipt_text: str, *, by: Contact | None = None) -> Contact | None:
    """The root contact whose case code is `code`, when `receipt_text` is
    its receipt; None otherwise, and for a code blocked after too many
    wrong receipts. Every outcome costs one Argon2id verification, so
    timing does not tell whether the code exists."""
    candidates = Contact.objects.select_for_update().filter(code=code, continues__isnull=True)
    if by is not None and by.pk is not None:
        candidates = candidates.exclude(pk=by.pk)
    target = candidates.first() if code else None
    now = timezone.now()
    if target is None or (target.resume_blocked_until and target.resume_blocked_until > now):
        receipt_verify(receipt_text, _dummy_hash())
        return None
    if not receipt_verify(receipt_text, target.receipt_hash):
        target.resume_failures += 1
        if target.resume_failures >= RESUME_FAILURES_ALLOWED:
            target.resume_blocked_until = now + RESUME_BLOCK
            target.resume_failures = 0
        target.save(update_fields=["resume_failures", "resume_blocked_until"])
        audit_record(actor=None, action="intake.resume_refused", target=target)
        return None
    target.resume_failures = 0
    target.save(update_fields=["resume_failures"])
    audit_record(
        actor=None,
        action="intake.resumed",
        target=target,
        details={"from_contact": by.pk if by is not None else "web"},
    )
    return target


def _resume_attempt(contact: Contact, receipt_text: str) -> bool:
    """Link `contact` to the conversation whose code it typed before, if
    the receipt is right."""
    answers = dict(contact.answers or {})
    code = answers.pop("_resume_code", "")
    contact.answers = answers
    target = resume_verify(code, receipt_text, by=contact)
    if target is None:
        return False
    contact.continues = target
    contact.language = contact.language or target.language
    return True


@functools.cache
def _dummy_hash() -> str:
    """A hash no receipt matches: verifying against it costs what a real check costs."""
    return receipt_hash(receipt_generate())


def conversation_advance(contact: Contact, kind: str, body: str) -> Turn:
    """Read one inbound message (`kind`, `body` as recorded) at the
    contact's step; update the contact (not saved) and say what to send."""
    turn = Turn()
    text = body if kind in (MessageKind.TEXT, MessageKind.EDITED) else ""
    pressed = body if kind == MessageKind.BUTTON else ""
    command = text.strip().lower() if text.strip().startswith("/") else ""
    if text and says_duress_word(text) and not contact.duress:
        contact.duress = True
        audit_record(actor=None, action="intake.duress_signalled", target=contact)
    if kind == MessageKind.EDITED:
        return turn  # an edit changes no answer; staff see it
    if pressed == BTN_ERASE.value or command in ("/delete", "/erase"):
        if contact.channel.kind == ChannelKind.TELEGRAM:
            turn.erase_chat = True  # the emptied chat is the answer
        else:
            turn.replies.append(
                _reply(
                    contact,
                    _(
                        "We cannot delete this conversation from your phone here. "
                        "Please delete it yourself. We keep what you wrote."
                    ),
                )
            )
        return turn
    if command == "/resume" or (pressed == BTN_RESUME.value and contact.code is None):
        contact.step = RESUME_CODE
        turn.replies.append(_reply(contact, _("Write your case code (SP-…).")))
        return turn
    if pressed.startswith("lang:") and pressed[5:] in ("my", "en"):
        contact.language = pressed[5:]
        at_notice = contact.step in (START, NOTICE)
        turn.replies.append(_notice(contact) if at_notice else _reply(contact, _("OK.")))
        return turn
    step = contact.step if contact.step in STEPS else START
    if step == START or (command == "/start" and contact.code is None):
        contact.step = NOTICE
        turn.replies.append(_notice(contact))
        return turn
    if step == NOTICE:
        if pressed == BTN_CONTINUE.value or (text and not command):
            first = QUESTIONS[0]
            contact.step = first.name
            audit_record(actor=None, action="intake.consented", target=contact)
            turn.replies.append(_ask(contact, first))
        else:
            turn.replies.append(_notice(contact))
        return turn
    if step == RESUME_CODE:
        try:
            code = case_code_normalize(text)
        except InvalidCaseCode:
            turn.replies.append(
                _reply(contact, _("That is not a case code. Write it again, or /start."))
            )
            return turn
        contact.answers = {**(contact.answers or {}), "_resume_code": code}
        contact.step = RESUME_RECEIPT
        turn.replies.append(_reply(contact, _("Now write the two numbers you saved.")))
        return turn
    if step == RESUME_RECEIPT:
        turn.redact = bool(text)
        if _resume_attempt(contact, text):
            contact.step = OPEN
            turn.replies.append(
                _reply(contact, _("Welcome back. Write here; we will answer here."), (BTN_ERASE,))
            )
        else:
            contact.step = NOTICE if contact.code is None else OPEN
            turn.replies.append(
                _reply(contact, _("The code and the numbers do not match. Try again later."))
            )
        return turn
    question = QUESTION_BY_NAME.get(step)
    if question is not None:
        chosen = {c.value for c in question.choices}
        if pressed.startswith("a:") and pressed[2:] in chosen:
            answer_record(contact, question, pressed[2:], chosen=True)
        elif text and not command:
            answer_record(contact, question, text, chosen=False)
        elif pressed != BTN_SKIP.value and kind == MessageKind.BUTTON:
            turn.replies.append(_ask(contact, question))  # a stale button: ask again
            return turn
        following = next_question(question.name)
        if following is None:
            _finish(contact, turn)
        else:
            contact.step = following.name
            turn.replies.append(_ask(contact, following))
        return turn
    if command == "/start":
        turn.replies.append(
            _reply(contact, _("Write here at any time; someone will answer."), (BTN_ERASE,))
        )
    return turn
