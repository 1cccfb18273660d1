"""The crossing's prompt handler, registered with intake at start
(`apps.CrossingConfig.ready`): the person's buttons and duress words,
dispatched to the services."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from safepassage.intake.models import Contact
from safepassage.intake.prompts import PromptHandler

from .models import PersonAnswer
from .person import labels, language_of
from .services import person_answer_record, person_duress, plan_active_for_contact


def _answer(contact: Contact, choice: str) -> list[str]:
    plan = person_answer_record(contact=contact, choice=choice)
    with translation.override(language_of(contact)):
        if plan is None:
            return [_("Nothing is planned with you now. Write here if you need us.")]
        replies = {
            PersonAnswer.ON_MY_WAY: _("Received. We are waiting."),
            PersonAnswer.DELAYED: _("Received. Write when you can; the plan stands."),
            PersonAnswer.CANNOT_COME: _("Received. Stay safe; we will write to you."),
            PersonAnswer.ABORT: _("Received."),
        }
        return [str(replies[PersonAnswer(choice)])]


def _choices(contact: Contact) -> list[tuple[str, str]]:
    plan = plan_active_for_contact(contact)
    if plan is None or plan.sent_at is None or plan.erased_at is not None:
        return []
    return labels(language_of(contact))


def _label(choice: str, language: str) -> str | None:
    return dict(labels(language or "my")).get(choice)


def _duress(contact: Contact) -> None:
    person_duress(contact=contact)


HANDLER = PromptHandler(answer=_answer, choices=_choices, label=_label, on_duress=_duress)
