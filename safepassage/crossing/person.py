"""The person's side of the crossing, through their own channel
(`intake.prompts`): what they are told, the buttons they answer with, and
what the bot says back.

What the person is told is short (it must read on a phone screen) and
holds only what the unit chose to share: the time window, the place as
described for them, the fallback if shared, the words and what to bring
or leave. Never the team's names, the exact meeting point (unless the
unit wrote it into the shared description) or the case code.

The bot's answers are neutral: someone reading the phone over the
person's shoulder learns nothing from "Received." after "in danger".
"""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from safepassage.intake.models import ChannelKind, Contact, OutboundMessage
from safepassage.intake.prompts import prompt_send

from .models import CrossingPlan, PersonAnswer

KIND = "crossing"
#: The choices, in the order shown.
CHOICES = (
    PersonAnswer.ON_MY_WAY,
    PersonAnswer.DELAYED,
    PersonAnswer.CANNOT_COME,
    PersonAnswer.ABORT,
)


def language_of(contact: Contact) -> str:
    root = contact.continues or contact
    return root.language or contact.language or "my"


def labels(language: str) -> list[tuple[str, str]]:
    with translation.override(language):
        return [
            (PersonAnswer.ON_MY_WAY.value, pgettext("button", "On my way")),
            (PersonAnswer.DELAYED.value, pgettext("button", "Delayed")),
            (PersonAnswer.CANNOT_COME.value, pgettext("button", "Cannot come")),
            (PersonAnswer.ABORT.value, pgettext("button", "In danger / abort")),
        ]


def _when(value: object) -> str:
    local = timezone.localtime(value)  # type: ignore[arg-type]
    return local.strftime("%d.%m %H:%M")


def plan_text(plan: CrossingPlan, contact: Contact) -> str:
    """The plan as the person reads it, in their language."""
    words = plan.words or {}
    my_words = list(words.get("my") or ["", ""])
    latin = list(words.get("latin") or ["", ""])
    kind = (contact.continues or contact).channel.kind
    with translation.override(language_of(contact)):
        lines = [
            _("Meeting: %(start)s to %(end)s.")
            % {"start": _when(plan.window_start), "end": _when(plan.window_end)},
            _("Place: %(place)s") % {"place": plan.place_shared},
        ]
        if plan.fallback_at is not None:
            lines.append(
                _("If that fails: %(when)s, %(place)s")
                % {"when": _when(plan.fallback_at), "place": plan.fallback_point or "-"}
            )
        lines.append(
            _("We say “%(first)s” (%(first_latin)s); you answer “%(second)s” (%(second_latin)s).")
            % {
                "first": my_words[0],
                "first_latin": latin[0],
                "second": my_words[1],
                "second_latin": latin[1],
            }
        )
        if plan.bring:
            lines.append(_("Bring: %(what)s") % {"what": plan.bring})
        if plan.leave_behind:
            lines.append(_("Leave behind: %(what)s") % {"what": plan.leave_behind})
        if kind == ChannelKind.TELEGRAM:
            lines.append(_("This message is deleted after the meeting time. Answer with a button."))
        elif kind == ChannelKind.FACEBOOK:
            lines.append(
                _(
                    "Messenger does not let us delete this: delete it yourself once you "
                    "know it. Answer with a button."
                )
            )
        else:
            lines.append(_("This is removed after the meeting time. Answer with a choice."))
    return "\n".join(lines)


def plan_message_send(*, contact: Contact, plan: CrossingPlan) -> OutboundMessage:
    return prompt_send(
        contact=contact,
        kind=KIND,
        text=plan_text(plan, contact),
        choices=labels(language_of(contact)),
    )


def ask_to_delete_text(contact: Contact) -> str:
    with translation.override(language_of(contact)):
        return _("Please delete our last messages from your phone now.")


def checkin_text(contact: Contact) -> str:
    with translation.override(language_of(contact)):
        return _("Hello. Is everything all right? Write here when you can.")
