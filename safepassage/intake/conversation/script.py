"""The conversation as a table: the questions, the steps, the notice, the
buttons, and how each bot message is made (`Turn`: what the bot does
after one message)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import ChannelKind, Contact

#: Kept in place of a receipt the person typed.
from ..outbox import BotReply
from ..prompts import prompt_label

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


def stop_button(contact: Contact) -> Choice:
    return BTN_STOP.get(contact.channel.kind, BTN_STOP[ChannelKind.FACEBOOK])


def bot_reply(
    contact: Contact,
    text: Promise | str,
    choices: tuple[Choice, ...] = (),
    *,
    transient: bool = False,
) -> BotReply:
    with translation.override(contact.language or "my"):
        return BotReply(str(text), [(c.value, str(c.label)) for c in choices], transient=transient)


def ask_question(contact: Contact, question: Question, *, hint: Promise | None = None) -> BotReply:
    """A question with its choices as buttons ("a:<value>"), Skip and Stop;
    transient: it leaves the chat once answered."""
    answers = tuple(Choice(f"a:{c.value}", c.label) for c in question.choices)
    with translation.override(contact.language or "my"):
        text = f"{hint}\n\n{question.prompt}" if hint else str(question.prompt)
    return bot_reply(contact, text, (*answers, BTN_SKIP, stop_button(contact)), transient=True)


def notice_and_first_question(contact: Contact) -> BotReply:
    """The first message: how to write safely, how to stop, and the first
    question, with a way to resume and the other language."""
    first = BOT_QUESTIONS[0]
    answers = tuple(Choice(f"a:{c.value}", c.label) for c in first.choices)
    notice = NOTICE_TEXT.get(contact.channel.kind, NOTICE_TEXT[ChannelKind.FACEBOOK])
    with translation.override(contact.language or "my"):
        text = f"{notice}\n\n{first.prompt}"
    language = BTN_LANGUAGE["en" if contact.language == "en" else "my"]
    buttons = (*answers, BTN_SKIP, BTN_RESUME, stop_button(contact), language)
    return bot_reply(contact, text, buttons, transient=True)


def next_question(name: str) -> Question | None:
    names = [q.name for q in BOT_QUESTIONS]
    position = names.index(name) + 1
    return BOT_QUESTIONS[position] if position < len(BOT_QUESTIONS) else None


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
