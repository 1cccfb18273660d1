"""A complaint through a bot (Telegram, Messenger), registered with intake
as a private handler (`intake.prompts.PrivateHandler`): intake records
every message of it redacted, deletes it from a Telegram chat, and sends
the bot's replies as secrets, so that the unit reading the conversation
sees only the placeholders a typed and a shown receipt leave.

The person writes a start word (`/complain`, "complaint", "တိုင်ကြားမည်"
and the like, Zawgyi or Unicode), then, one message each: a number for
what it is about (no buttons: a button's label would stay in the outbox's
record), the complaint, the case code (or 0 for none), the two numbers.
The draft is kept under headquarters' key (`ComplaintDraft`) and given
to `services.grievance_submit` with the numbers, which are never stored;
from there on it is a complaint like the web form's, answered with the
same words whatever the code and numbers. `/cancel` drops the draft; a
draft left for `DRAFT_MINUTES` is dropped at the next message.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safepassage.accounts.selectors import unit_headquarters
from safepassage.cases.codes import InvalidCaseCode, case_code_normalize
from safepassage.intake.models import ChannelKind, Contact
from safepassage.intake.prompts import PrivateHandler
from safepassage.language import digits_to_ascii, normalize_text

from . import services
from .models import ComplaintDraft, DraftStep, GrievanceChannel, GrievanceKind

DRAFT_MINUTES = 30
START_WORDS = frozenset(
    {"/complain", "/complaint", "complain", "complaint", "တိုင်ကြားမည်", "တိုင်ကြားရန်", "တိုင်ကြား"}
)
CANCEL_WORDS = frozenset({"/cancel", "cancel", "မလုပ်တော့ပါ", "မလုပ်တော့"})
KINDS = {
    "1": GrievanceKind.ABUSE,
    "2": GrievanceKind.REWARD,
    "3": GrievanceKind.THREAT,
    "4": GrievanceKind.OTHER,
}


def _word(text: str) -> str:
    return normalize_text(text or "").strip().casefold().split("@", 1)[0]


def _draft(contact: Contact) -> ComplaintDraft | None:
    draft = (
        ComplaintDraft.objects.select_for_update(of=("self",))
        .select_related("data_key__unit_key")
        .filter(contact_id=contact.pk)
        .first()
    )
    if draft is not None and draft.started_at < timezone.now() - dt.timedelta(
        minutes=DRAFT_MINUTES
    ):
        draft.delete()
        return None
    return draft


def _kind_question() -> str:
    return _(
        "This goes to headquarters only, never to the unit that received you. "
        "What is it about? Write the number: 1 abuse by the receiving unit, "
        "2 a reward not paid, 3 a threat, 4 something else. Write /cancel to stop."
    )


@transaction.atomic
def complaint_advance(contact: Contact, text: str) -> list[str] | None:
    """One text message: None when it is not part of a complaint."""
    if contact.pk is None or contact.channel.kind == ChannelKind.WEB:
        return None
    word = _word(text)
    draft = _draft(contact)
    with translation.override(contact.language or "my"):
        if draft is None:
            if word not in START_WORDS:
                return None
            headquarters = unit_headquarters()
            if headquarters is None:
                return [_("Complaints cannot be received right now. Try again later.")]
            ComplaintDraft.objects.create(hq_unit=headquarters, contact=contact)
            return [_kind_question()]
        if word in CANCEL_WORDS:
            draft.delete()
            return [_("Stopped. Nothing was sent.")]
        if word in START_WORDS:
            draft.delete()
            ComplaintDraft.objects.create(hq_unit=draft.hq_unit, contact=contact)
            return [_kind_question()]
        return _step(contact, draft, text)


def _step(contact: Contact, draft: ComplaintDraft, text: str) -> list[str]:
    if draft.step == DraftStep.KIND:
        kind = KINDS.get(digits_to_ascii(text).strip())
        if kind is None:
            return [_("Write 1, 2, 3 or 4, or /cancel.")]
        draft.kind, draft.step = kind, DraftStep.BODY
        draft.save(update_fields=["kind", "step"])
        return [_("Write your complaint in one message.")]
    if draft.step == DraftStep.BODY:
        body = normalize_text(text).strip()
        if not body:
            return [_("Write your complaint in one message.")]
        if len(body) > services.MAX_BODY:
            return [_("That is too long: at most 4,000 characters. Write it again, shorter.")]
        draft.body, draft.step = body, DraftStep.CODE
        draft.save(update_fields=["body", "step"])
        return [
            _("Write your case code (SP-…) so that we can answer you, or 0 if you do not have it.")
        ]
    if draft.step == DraftStep.CODE:
        if digits_to_ascii(text).strip() == "0":
            return _submit(contact, draft, code="", receipt="")
        try:
            case_code_normalize(text)
        except InvalidCaseCode:
            return [_("That is not a case code. Write it again, or 0.")]
        draft.code_given, draft.step = text.strip()[:40], DraftStep.RECEIPT
        draft.save(update_fields=["code_given", "step"])
        return [_("Now write the two numbers you saved.")]
    return _submit(contact, draft, code=draft.code_given, receipt=text)


def _submit(contact: Contact, draft: ComplaintDraft, *, code: str, receipt: str) -> list[str]:
    channel = (
        GrievanceChannel.TELEGRAM
        if contact.channel.kind == ChannelKind.TELEGRAM
        else GrievanceChannel.FACEBOOK
    )
    try:
        services.grievance_submit(
            code=code,
            receipt=receipt,
            kind=draft.kind,
            body=draft.body,
            channel=channel,
            source=f"contact:{contact.pk}",
        )
    except ValidationError as error:
        draft.delete()
        return [" ".join(error.messages)]
    draft.delete()
    return [services.received_text(contact.language or "my")]


HANDLER = PrivateHandler(advance=complaint_advance)
