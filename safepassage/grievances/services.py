"""Every write of complaints (and, in `checkin.py`, of check-ins).

A complaint is received the same way whatever it carries: its code and
receipt are checked on the resume path (`intake.resuming.resume_check`,
quiet: the same cheap filter, the same Argon2id for a passing receipt,
the same dummy Argon2id for a code that names nothing, the same per
source and per code limits, shared with resuming), the complaint is
stored encrypted under headquarters' key, flagged verified or not, and
the caller gives the same answer for both (`RECEIVED_TEXT`). Audit rows
name headquarters as their unit, never the unit a complaint concerns.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.selectors import unit_headquarters
from safepassage.audit.services import audit_record
from safepassage.cases.codes import InvalidCaseCode, case_code_normalize
from safepassage.intake.prompts import private_send
from safepassage.intake.resuming import ResumeOutcome, resume_check
from safepassage.language import normalize_text

from .models import Grievance, GrievanceChannel, GrievanceKind
from .policies import user_handles_grievances
from .workflow import GrievanceState, grievance_move_allowed

MAX_BODY = 4000
MAX_ANSWER = 2000


def received_text(language: str) -> str:
    """The one answer every complaint gets, matched or not."""
    with translation.override(language or "my"):
        return gettext(
            "Your complaint has reached headquarters. The unit it is about does not "
            "see it. If we can answer you, we will."
        )


def _clean(value: str | None, *, limit: int, what: str, required: bool = True) -> str:
    text = normalize_text(value or "").strip()
    if required and not text:
        raise ValidationError(_("Write %(what)s.") % {"what": what})
    if len(text) > limit:
        raise ValidationError(
            _("%(what)s is too long (at most %(limit)d characters).")
            % {"what": what, "limit": limit}
        )
    return text


@transaction.atomic
def grievance_submit(
    *, code: str, receipt: str, kind: str, body: str, channel: str, source: str
) -> Grievance:
    """Receive a complaint. Refused (ValidationError, nothing written) only
    for what the person can see and fix: an unknown kind, an empty or too
    long text. Whether the code and receipt match never changes what
    happens here, except the `verified` flag and the case it names.
    `source` is the rate-limit key the caller counts resumes under (a
    chat: "contact:<id>", the web: "web:<address>")."""
    if kind not in GrievanceKind.values:
        raise ValidationError(_("Choose what the complaint is about."))
    if channel not in GrievanceChannel.values:
        raise ValidationError(_("Unknown channel."))
    text = _clean(body, limit=MAX_BODY, what=gettext("the complaint"))
    typed = (code or "").strip()[:40]
    try:
        canonical = case_code_normalize(typed) if typed else ""
    except InvalidCaseCode:
        canonical = ""
    headquarters = unit_headquarters()
    if headquarters is None:  # a set-up fault, not the person's
        raise ValidationError(_("Complaints cannot be received right now. Try again later."))
    result = resume_check(canonical, receipt or "", source=source, quiet=True)
    root = result.root if result.outcome == ResumeOutcome.RESUMED else None
    case = root.case if root is not None and root.case_id is not None else None
    grievance = Grievance(
        hq_unit=headquarters,
        concerns_unit_id=case.unit_id if case is not None else None,
        case=case,
        contact=root,
        kind=kind,
        channel=channel,
        verified=root is not None,
        body=text,
        code_given=typed,
    )
    grievance.save()
    audit_record(
        actor=None,
        action="grievances.received",
        target=grievance,
        unit=headquarters.pk,
        details={
            "kind": kind,
            "channel": channel,
            "verified": root is not None,
            "checked": result.outcome != ResumeOutcome.WAIT,
        },
    )
    return grievance


def _lock(actor: User, grievance: Grievance) -> Grievance:
    if not user_handles_grievances(actor):
        raise PermissionDenied
    return (
        Grievance.objects.select_for_update(of=("self",))
        .select_related("data_key__unit_key", "hq_unit", "contact")
        .get(pk=grievance.pk)
    )


@transaction.atomic
def grievance_move(*, actor: User, grievance: Grievance, target: str, note: str = "") -> Grievance:
    """Move a complaint along `workflow.MOVES`, with an optional note."""
    locked = _lock(actor, grievance)
    if target not in GrievanceState.values or not grievance_move_allowed(locked.state, target):
        raise ValidationError(_("This complaint cannot move to that state."))
    text = _clean(note, limit=MAX_ANSWER, what=gettext("the note"), required=False)
    before = locked.state
    locked.state = target
    if text:
        locked.note = text
    if target in (GrievanceState.RESOLVED, GrievanceState.CLOSED):
        locked.resolved_at = timezone.now()
    else:
        locked.resolved_at = None
    locked.save()
    audit_record(
        actor=actor,
        action="grievances.moved",
        target=locked,
        unit=locked.hq_unit_id,
        details={"from": before, "to": target, "annotated": bool(text)},
    )
    return locked


@transaction.atomic
def grievance_answer(*, actor: User, grievance: Grievance, text: str) -> bool:
    """Record headquarters' answer and send it to the person through
    their channel (`intake.prompts.private_send`) when the complaint is
    tied to their conversation. An open complaint moves to "in progress".
    Returns whether the answer was queued to the person."""
    locked = _lock(actor, grievance)
    if locked.state in (GrievanceState.RESOLVED, GrievanceState.CLOSED):
        raise ValidationError(_("Reopen the complaint before answering it."))
    answer = _clean(text, limit=MAX_ANSWER, what=gettext("the answer"))
    locked.answer = answer
    locked.answered_at = timezone.now()
    locked.answered_by = actor
    before = locked.state
    if locked.state == GrievanceState.OPEN:
        locked.state = GrievanceState.IN_PROGRESS
    locked.save()
    sent = False
    if locked.verified and locked.contact is not None:
        sent = private_send(contact=locked.contact, text=answer) is not None
    audit_record(
        actor=actor,
        action="grievances.answered",
        target=locked,
        unit=locked.hq_unit_id,
        details={"sent": sent, "from": before, "to": locked.state},
    )
    return sent


def answer_outcome_text(*, sent: bool, tied: bool) -> str:
    """What headquarters is told after answering."""
    if sent:
        return gettext("The answer is recorded and on its way to the person.")
    if tied:
        return gettext(
            "The answer is recorded. The person last wrote on the web form, where "
            "their unit reads the conversation: it was not sent."
        )
    return gettext(
        "The answer is recorded. The complaint is not tied to a conversation: it cannot be sent."
    )
