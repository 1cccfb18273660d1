"""The person's check-in through their own channel (`intake.prompts`).

When a follow-up of their plan falls due (`reintegration`'s reminders),
`checkins_send` asks the person three questions with buttons, one after
the other: safe or not, housing, income or work. Every question also
offers "I need help", which raises a task for the plan's owner at once
(`reintegration.services.checkin_help_raise`, by the system). The last
answer lands the three on the follow-up as "to confirm"
(`followup_record_from_checkin`), where the caseworker confirms it; the
questions then leave the person's chat (`prompt_erase`).

What is trusted: a payload ``p:checkin:<question>.<choice>`` carries no
id. The check-in it answers is the one open for the conversation the
button was pressed in (its root, which the person reached with their own
chat, or with the code and receipt on another channel or the web form),
and it must still name that conversation's case. A press from any other
conversation, for a question already answered, or after the check-in
closed, changes nothing and gets the same neutral answer.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from safepassage.audit.services import audit_record
from safepassage.intake.models import Contact
from safepassage.intake.prompts import (
    PromptHandler,
    contact_for_case,
    prompt_erase,
    prompt_send,
    root_of,
)
from safepassage.reintegration import services as reintegration
from safepassage.reintegration.selectors import (
    followup_open_for_checkin,
    followups_awaiting_checkin,
)

from .models import CheckIn
from .selectors import checkin_open_for
from .workflow import CHECKIN_ORDER, CheckInStep

logger = logging.getLogger("safepassage.grievances")

KIND = "checkin"
HELP = "help"
#: question -> (choice, value handed to the follow-up)
VALUES: dict[str, dict[str, object]] = {
    CheckInStep.SAFE: {"yes": True, "no": False},
    CheckInStep.HOUSING: {"stable": "stable", "temporary": "temporary", "none": "none"},
    CheckInStep.INCOME: {"working": "working", "training": "training", "none": "none"},
}


def language_of(contact: Contact) -> str:
    root = root_of(contact)
    return root.language or contact.language or "my"


def _labels(step: str, language: str) -> list[tuple[str, str]]:
    """(choice, label) for a question, "I need help" last. Labels are short:
    Messenger shows 20 characters of a quick reply."""
    with translation.override(language or "my"):
        options: dict[str, list[tuple[str, str]]] = {
            CheckInStep.SAFE: [
                ("safe.yes", pgettext("button", "I am safe")),
                ("safe.no", pgettext("button", "Not safe")),
            ],
            CheckInStep.HOUSING: [
                ("housing.stable", pgettext("button", "Stable home")),
                ("housing.temporary", pgettext("button", "Temporary")),
                ("housing.none", pgettext("button", "No home")),
            ],
            CheckInStep.INCOME: [
                ("income.working", pgettext("button", "Working")),
                ("income.training", pgettext("button", "Training")),
                ("income.none", pgettext("button", "No income")),
            ],
        }
        return [*options.get(step, []), (HELP, pgettext("button", "I need help"))]


def _question(step: str, language: str) -> str:
    with translation.override(language or "my"):
        if step == CheckInStep.SAFE:
            return _("A short check-in from your caseworker. Are you safe now?")
        if step == CheckInStep.HOUSING:
            return _("Where do you live now?")
        return _("Do you have work or income now?")


def _ask(checkin: CheckIn, contact: Contact, step: str) -> None:
    language = language_of(contact)
    message = prompt_send(
        contact=contact,
        kind=KIND,
        text=_question(step, language),
        choices=_labels(step, language),
    )
    checkin.message_ids = [*checkin.message_ids, message.pk]


def checkins_send(*, limit: int = 1000) -> int:
    """Ask every due follow-up's person who has a conversation and no
    check-in yet (one open check-in per conversation at a time). One
    transaction each; idempotent (a follow-up is asked once). Returns how
    many were sent."""
    candidates = followups_awaiting_checkin(limit=limit)
    asked = set(
        CheckIn.objects.filter(followup_id__in=[f.pk for f in candidates]).values_list(
            "followup_id", flat=True
        )
    )
    sent = 0
    for followup in candidates:
        if followup.pk in asked:
            continue
        try:
            with transaction.atomic():
                sent += _send_one(followup.pk)
        except Exception as error:  # the next follow-up must still be asked
            logger.error("grievances: check-in not sent [%s]", type(error).__name__)
    return sent


def _send_one(followup_id: int) -> int:
    followup = followup_open_for_checkin(followup_id)
    if followup is None or CheckIn.objects.filter(followup_id=followup_id).exists():
        return 0
    contact = contact_for_case(followup.plan.case_id)
    if contact is None or contact.stopped_at is not None or contact.blocked:
        return 0
    if checkin_open_for(contact.pk) is not None:
        return 0
    checkin = CheckIn.objects.create(
        followup_id=followup.pk, case_id=followup.plan.case_id, contact=contact
    )
    _ask(checkin, contact, CheckInStep.SAFE)
    checkin.save(update_fields=["message_ids"])
    audit_record(
        actor=None,
        action="grievances.checkin_sent",
        target=checkin,
        unit=followup.unit_id,
        details={"followup": followup.pk},
    )
    return 1


def _refused(contact: Contact, reason: str) -> list[str]:
    """The one answer to a press that changes nothing: it does not say
    whether a check-in exists for someone else."""
    audit_record(
        actor=None,
        action="grievances.checkin_refused",
        details={"reason": reason},
    )
    with translation.override(language_of(contact)):
        return [_("This question is closed. Write here if you need us.")]


@transaction.atomic
def checkin_answer(contact: Contact, choice: str) -> list[str]:
    """One press of a check-in button (see the module's docstring)."""
    root = root_of(contact)
    checkin = checkin_open_for(root.pk)
    if checkin is None:
        return _refused(contact, "none_open")
    checkin = CheckIn.objects.select_for_update().select_related("case").get(pk=checkin.pk)
    if checkin.step not in CHECKIN_ORDER or root.case_id != checkin.case_id:
        return _refused(contact, "not_this_case")
    language = language_of(contact)
    if choice == HELP:
        return _help(checkin, language)
    step, _dot, value = choice.partition(".")
    if step != checkin.step:
        return _refused(contact, "stale")
    if value not in VALUES.get(step, {}):
        return _refused(contact, "unknown_choice")
    checkin.answers = {**checkin.answers, step: value}
    position = CHECKIN_ORDER.index(step)
    if position + 1 < len(CHECKIN_ORDER):
        checkin.step = CHECKIN_ORDER[position + 1]
        _ask(checkin, contact, checkin.step)
        checkin.save(update_fields=["answers", "step", "message_ids"])
        return []
    return _finish(checkin, language)


def _help(checkin: CheckIn, language: str) -> list[str]:
    if checkin.help_raised_at is None:
        reintegration.checkin_help_raise(contact_case=checkin.case)
        checkin.help_raised_at = timezone.now()
        checkin.save(update_fields=["help_raised_at"])
        audit_record(
            actor=None,
            action="grievances.checkin_help",
            target=checkin,
            unit=checkin.case.unit_id,
        )
    with translation.override(language):
        return [_("Received. Someone will contact you soon.")]


def _finish(checkin: CheckIn, language: str) -> list[str]:
    answers = {
        name: VALUES[name][str(checkin.answers[name])]
        for name in CHECKIN_ORDER
        if name in checkin.answers
    }
    landed = True
    try:
        with transaction.atomic():
            reintegration.followup_record_from_checkin(
                contact_case=checkin.case, answers=answers, followup_id=checkin.followup_id
            )
    except ValidationError:  # recorded by the caseworker meanwhile, or closed
        landed = False
    checkin.step = CheckInStep.DONE if landed else CheckInStep.EXPIRED
    checkin.answered_at = timezone.now()
    checkin.save(update_fields=["answers", "step", "answered_at"])
    prompt_erase(message_ids=checkin.message_ids)
    audit_record(
        actor=None,
        action="grievances.checkin_answered",
        target=checkin,
        unit=checkin.case.unit_id,
        details={"landed": landed},
    )
    with translation.override(language):
        return [_("Thank you. Your caseworker will see your answers.")]


def _choices(contact: Contact) -> list[tuple[str, str]]:
    checkin = checkin_open_for(root_of(contact).pk)
    if checkin is None or checkin.step not in CHECKIN_ORDER:
        return []
    return _labels(checkin.step, language_of(contact))


def _label(choice: str, language: str) -> str | None:
    step = choice.partition(".")[0]
    for step_name in CHECKIN_ORDER:
        found = dict(_labels(step_name, language)).get(choice)
        if found is not None and (choice == HELP or step == step_name):
            return found
    return None


HANDLER = PromptHandler(answer=checkin_answer, choices=_choices, label=_label)
