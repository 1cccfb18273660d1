"""The screening officer's writes: decisions, proposed duplicates, and
cross-unit details requests. Keyword-only, atomic, audited in the same
transaction; a write to a case goes through `_case_write` (the case
services' lock, check, bump, audit) or holds the case with `case_lock`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record

from ..models import (
    DETAILS_NOTE_MAX,
    DETAILS_REASON_MAX,
    SCREENING_EVENT_KIND,
    Case,
    CaseEvent,
    DetailsAnswer,
    DetailsRequest,
    DuplicateProposal,
    DuplicateStatus,
    EventKind,
    Person,
    ScreeningDecision,
    ScreeningOutcome,
)
from ..policies import user_may_act_on_case
from ..services.write import _case_write, case_lock
from ..workflow import DetailsRequestStatus, RequestSide, details_request_move_allowed
from . import selectors
from .index import ScreeningIndexNotReady, screening_index_ready


def screening_decide(
    *,
    actor: User,
    case: Case,
    outcome: str,
    reasons: str,
    expected_version: int | None = None,
) -> ScreeningDecision:
    """Record a screening officer's decision, with reasons, on the case's person.

    The decision names the person record it was made on; a later change to
    the person makes it stale (see `selectors.case_screening`). The status
    is not moved here: that stays the workflow's (`case_transition`).
    Refused while the screening index is still being built: the panel
    then shows no candidates, and a decision must be made on them. The
    index is asked for before the transaction opens: a first build made
    here (up to `BUILD_INLINE_LIMIT` people) holds no transaction open.
    """
    reasons = (reasons or "").strip()
    if outcome not in ScreeningOutcome.values:
        raise ValidationError(_("Choose cleared, flagged or rejected."))
    if not reasons:
        raise ValidationError(_("Give the reasons for the decision."))
    try:
        screening_index_ready()
    except ScreeningIndexNotReady as exc:
        raise ValidationError(ScreeningIndexNotReady.message) from exc
    return _screening_record(
        actor=actor, case=case, outcome=outcome, reasons=reasons, expected_version=expected_version
    )


@transaction.atomic
def _screening_record(
    *, actor: User, case: Case, outcome: str, reasons: str, expected_version: int | None
) -> ScreeningDecision:
    with _case_write(
        case,
        actor=actor,
        action="cases.screening_decided",
        roles={Role.SCREENING_OFFICER},
        expected_version=expected_version,
    ) as write:
        locked = write.case
        person = Person.objects.filter(case=locked).only("updated_at").first()
        if person is None:
            raise ValidationError(_("Record the person before screening them."))
        event = CaseEvent.objects.create(
            case=locked,
            data_key=locked.data_key,
            kind=SCREENING_EVENT_KIND[ScreeningOutcome(outcome)],
            actor=actor,
            body=reasons,
        )
        decision = ScreeningDecision.objects.create(
            case=locked,
            event=event,
            officer=actor,
            outcome=outcome,
            person_updated_at=person.updated_at,
        )
        write.details = {"outcome": outcome}
    return decision


def _group_fingerprint(case_ids: Sequence[int]) -> str:
    text = ",".join(str(i) for i in sorted(set(case_ids)))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@transaction.atomic
def duplicates_propose(*, groups: Sequence[tuple[Sequence[int], float]]) -> tuple[int, int]:
    """Record each group of case ids (with its score) as a proposal, once.

    Returns (new, already proposed). Run by `manage.py dedupe_cases` as the
    system; audited with counts only.
    """
    new = existing = 0
    for case_ids, group_score in groups:
        ids = sorted(set(case_ids))
        if len(ids) < 2:
            raise ValueError("A duplicate group holds two cases or more.")
        proposal, created = DuplicateProposal.objects.get_or_create(
            fingerprint=_group_fingerprint(ids), defaults={"score": round(group_score, 2)}
        )
        if created:
            proposal.cases.set(ids)
            new += 1
        else:
            existing += 1
    audit_record(
        actor=None,
        action="cases.duplicates_proposed",
        details={"groups": len(groups), "new": new, "existing": existing},
    )
    return new, existing


@transaction.atomic
def duplicate_decide(*, actor: User, proposal: DuplicateProposal, same_person: bool) -> None:
    """A screening officer of one of the group's units says whether the cases
    are one person. Each case's timeline records the answer and names the
    other cases by code; each unit's audit trail gets an event."""
    locked = DuplicateProposal.objects.select_for_update().get(pk=proposal.pk)
    cases = list(locked.cases.select_related("unit", "data_key__unit_key").order_by("pk"))
    if not actor.has_any_role({Role.SCREENING_OFFICER}) or not any(
        user_may_act_on_case(actor, case) for case in cases
    ):
        raise PermissionDenied
    if locked.status != DuplicateStatus.OPEN:
        raise ValidationError(_("This proposal was already decided."))
    _proposal_close(locked, actor=actor, same_person=same_person, now=timezone.now())
    _duplicate_record(
        actor=actor, cases=cases, same_person=same_person, details={"proposal": locked.pk}
    )
    proposal.status = locked.status


def _duplicate_pair_close(
    *, actor: User, cases: tuple[Case, Case], same_person: bool, now: dt.datetime
) -> int | None:
    """Decide the open proposal of exactly these two cases, if there is one,
    as the answer does; returns its id. A proposal of a larger group stays
    open: an answer about two of its cases says nothing of the others."""
    proposal = (
        DuplicateProposal.objects.select_for_update()
        .filter(fingerprint=_group_fingerprint([c.pk for c in cases]), status=DuplicateStatus.OPEN)
        .first()
    )
    if proposal is None:
        return None
    _proposal_close(proposal, actor=actor, same_person=same_person, now=now)
    return proposal.pk


def _proposal_close(
    locked: DuplicateProposal, *, actor: User, same_person: bool, now: dt.datetime
) -> None:
    locked.status = DuplicateStatus.CONFIRMED if same_person else DuplicateStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = now
    locked.save(update_fields=["status", "decided_by", "decided_at"])


def _duplicate_record(
    *, actor: User, cases: Sequence[Case], same_person: bool, details: dict[str, object]
) -> None:
    """Write "same person" (or "not a double registration") on each case's
    timeline, naming the other cases by code, and audit it in each case's
    unit. Call inside the caller's transaction."""
    kind = EventKind.DUPLICATE_CONFIRMED if same_person else EventKind.DUPLICATE_REJECTED
    for case in cases:
        others = ", ".join(c.code for c in cases if c.pk != case.pk)
        CaseEvent.objects.create(
            case=case, data_key=case.data_key, kind=kind, actor=actor, body=others
        )
        audit_record(
            actor=actor,
            action="cases.duplicate_confirmed" if same_person else "cases.duplicate_rejected",
            target=case,
            unit=case.unit,
            details=details,
        )


# ------------------------------------------------ cross-unit details requests

#: How long a details request waits for an answer before it expires.
DETAILS_REQUEST_LIFETIME = dt.timedelta(days=14)


def _details_move(locked: DetailsRequest, target: str, side: RequestSide, now: dt.datetime) -> None:
    if not details_request_move_allowed(locked.status, target, side):
        raise ValidationError(_("This request is no longer open."))
    locked.status = target
    locked.closed_at = now


def _details_audit(
    *, actor: User | None, action: str, locked: DetailsRequest, **details: object
) -> None:
    """One event in each unit's trail: the screened case's and the matched case's."""
    for target, other in (
        (locked.from_case, locked.about_case),
        (locked.about_case, locked.from_case),
    ):
        audit_record(
            actor=actor,
            action=action,
            target=target,
            unit=target.unit_id,
            details={"details_request": locked.pk, "other_case": other.pk, **details},
        )


def _details_lock(details_request: DetailsRequest) -> DetailsRequest:
    return (
        DetailsRequest.objects.select_for_update(of=("self",))
        .select_related(
            "from_case__unit",
            "about_case__unit",
            "about_case__data_key__unit_key",
            "from_case__data_key__unit_key",
        )
        .get(pk=details_request.pk)
    )


@transaction.atomic
def details_request_send(*, actor: User, case: Case, about: Case, reason: str) -> DetailsRequest:
    """Ask the unit owning `about` whether its person is the person of `case`.

    `about` must be, now, among the matches the screening panel of `case`
    shows `actor`, in a unit `actor` may not open (checked again here with
    the screening index; the view's check is `selectors.details_request_target`,
    which also audits refusals). At most one open request per pair, and at
    most `selectors.DETAILS_REQUESTS_PER_DAY` a day per officer. The reason
    is the body of a timeline event on `case` (encrypted under its key).
    Audited in both units' trails. Raises PermissionDenied or ValidationError.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why you ask."))
    if len(reason) > DETAILS_REASON_MAX:
        raise ValidationError(_("The reason is too long."))
    if not selectors.user_screens(actor) or not user_may_act_on_case(actor, case):
        raise PermissionDenied
    if about.unit_id == case.unit_id or user_may_act_on_case(actor, about):
        raise ValidationError(_("You can open that case yourself."))
    if selectors.details_requests_sent_today(user=actor) >= selectors.DETAILS_REQUESTS_PER_DAY:
        raise ValidationError(
            _("You have sent as many details requests as one day allows. Ask headquarters.")
        )
    try:
        target = selectors.details_request_target(user=actor, case=case, code=about.code)
    except selectors.DetailsRequestRefused:
        raise PermissionDenied from None
    locked = case_lock(case)
    now = timezone.now()
    earlier = (
        DetailsRequest.objects.select_for_update()
        .filter(from_case=locked, about_case=target, status=DetailsRequestStatus.OPEN)
        .first()
    )
    if earlier is not None:
        if earlier.expires_at > now:
            raise ValidationError(_("A request about this case is already waiting for an answer."))
        _details_expire_one(earlier, now)
    event = CaseEvent.objects.create(
        case=locked,
        data_key=locked.data_key,
        kind=EventKind.DETAILS_REQUESTED,
        actor=actor,
        body=reason,
    )
    try:
        with transaction.atomic():
            created = DetailsRequest.objects.create(
                from_case=locked,
                about_case=target,
                from_unit_id=locked.unit_id,
                to_unit_id=target.unit_id,
                requested_by=actor,
                request_event=event,
                created_at=now,
                expires_at=now + DETAILS_REQUEST_LIFETIME,
            )
    except IntegrityError:  # a concurrent request on the same pair won
        raise ValidationError(
            _("A request about this case is already waiting for an answer.")
        ) from None
    created.from_case, created.about_case = locked, target
    _details_audit(actor=actor, action="cases.details_requested", locked=created)
    return created


def _may_answer(actor: User, locked: DetailsRequest) -> bool:
    """The screening officers of the unit owning the matched case now (the
    request follows a transfer), unless it owns the screened case too, and
    headquarters' screening officers for any unit but their own requests."""
    if not selectors.user_screens(actor) or actor.unit_id == locked.from_unit_id:
        return False
    if actor.unit.is_headquarters:
        return True
    return actor.unit_id != locked.from_case.unit_id and user_may_act_on_case(
        actor, locked.about_case
    )


@transaction.atomic
def details_request_answer(
    *, actor: User, details_request: DetailsRequest, answer: str, note: str = ""
) -> DetailsRequest:
    """Answer a request: same person, different people, or declined, with an
    optional note (the body of a timeline event on the matched case,
    encrypted under its key; the requester reads it on the panel). "Same
    person" and "different people" are written on both cases' timelines as
    a confirmed or rejected double registration (`duplicate_decide` does the
    same), and decide an open duplicate proposal of exactly these two cases.
    Audited in both units' trails. A request past its expiry cannot
    be answered. Raises PermissionDenied or ValidationError.
    """
    note = (note or "").strip()
    if answer not in DetailsAnswer.values:
        raise ValidationError(_("Choose an answer."))
    if len(note) > DETAILS_NOTE_MAX:
        raise ValidationError(_("The note is too long."))
    locked = _details_lock(details_request)
    if not _may_answer(actor, locked):
        raise PermissionDenied
    now = timezone.now()
    if locked.status == DetailsRequestStatus.OPEN and locked.expires_at <= now:
        raise ValidationError(_("This request has expired."))
    target = (
        DetailsRequestStatus.DECLINED
        if answer == DetailsAnswer.DECLINED
        else DetailsRequestStatus.ANSWERED
    )
    _details_move(locked, target, RequestSide.ADDRESSEE, now)
    about = locked.about_case
    locked.answer = answer
    locked.answered_by = actor
    locked.reply_event = CaseEvent.objects.create(
        case=about, data_key=about.data_key, kind=EventKind.DETAILS_ANSWERED, actor=actor, body=note
    )
    locked.save(update_fields=["status", "answer", "answered_by", "reply_event", "closed_at"])
    if answer != DetailsAnswer.DECLINED:
        same_person = answer == DetailsAnswer.SAME
        details: dict[str, object] = {"details_request": locked.pk}
        closed = _duplicate_pair_close(
            actor=actor, cases=(locked.from_case, about), same_person=same_person, now=now
        )
        if closed is not None:
            details["proposal"] = closed
        _duplicate_record(
            actor=actor, cases=[locked.from_case, about], same_person=same_person, details=details
        )
    _details_audit(actor=actor, action="cases.details_answered", locked=locked, answer=answer)
    return locked


@transaction.atomic
def details_request_withdraw(*, actor: User, details_request: DetailsRequest) -> DetailsRequest:
    """The asking unit's screening officer takes an open request back."""
    locked = _details_lock(details_request)
    if not selectors.user_screens(actor) or not user_may_act_on_case(actor, locked.from_case):
        raise PermissionDenied
    _details_move(locked, DetailsRequestStatus.WITHDRAWN, RequestSide.REQUESTER, timezone.now())
    locked.save(update_fields=["status", "closed_at"])
    _details_audit(actor=actor, action="cases.details_withdrawn", locked=locked)
    return locked


def _details_expire_one(locked: DetailsRequest, now: dt.datetime) -> None:
    _details_move(locked, DetailsRequestStatus.EXPIRED, RequestSide.SYSTEM, now)
    locked.save(update_fields=["status", "closed_at"])
    _details_audit(actor=None, action="cases.details_expired", locked=locked)


@transaction.atomic
def details_requests_expire(*, now: dt.datetime | None = None) -> int:
    """Move every open request past its expiry to expired (run daily by
    `manage.py details_requests_expire`); returns how many."""
    now = now or timezone.now()
    lapsed = list(
        DetailsRequest.objects.select_for_update(of=("self",))
        .select_related("from_case", "about_case")
        .filter(status=DetailsRequestStatus.OPEN, expires_at__lte=now)
        .order_by("pk")
    )
    for locked in lapsed:
        _details_expire_one(locked, now)
    return len(lapsed)
