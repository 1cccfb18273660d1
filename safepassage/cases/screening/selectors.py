"""The screening officer's reads: the screening panel (matches among every
registered person, watch-list hits, decisions), proposed duplicates, and
cross-unit details requests. Every read starts from what the user may see;
a match in another unit carries only its code, unit and the reasons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.roles import Role
from safepassage.audit.services import Readable, audit_record, rows_readable
from safepassage.screening.engine import REVIEW_THRESHOLD
from safepassage.screening.records import PersonRecord
from safepassage.watchlists.selectors import WatchHit, watchlist_hits, watchlist_unreadable

from ..codes import InvalidCaseCode, case_code_normalize
from ..models import (
    Case,
    DetailsRequest,
    DuplicateProposal,
    DuplicateStatus,
    Person,
    ScreeningDecision,
)
from ..policies import user_holds_case_role, user_may_act_on_case
from ..workflow import DetailsRequestStatus
from .index import ScreeningIndexNotReady, screening_index, screening_screen
from .records import registered_records

if TYPE_CHECKING:
    from django.http import HttpRequest

    from safepassage.accounts.models import User


# ------------------------------------------------------------- screening ----

#: The person's fields the screening panel decrypts and compares.
SCREENED_FIELDS = (
    "name_my",
    "name_latin",
    "father_name",
    "birth",
    "nrc",
    "phones",
    "home_township",
)
SCREENING_CANDIDATES = 10


@dataclass(frozen=True)
class ScreeningMatch:
    """A possible match. `name` is empty unless the user may open `case`."""

    case: Case
    score: float
    explanation: str
    visible: bool
    name: str
    #: the latest details request sent from the screened case about this one
    details: DetailsRequestRow | None = None


@dataclass(frozen=True)
class CaseScreening:
    has_person: bool
    matches: list[ScreeningMatch]
    watch_hits: list[WatchHit]
    decisions: list[ScreeningDecision]
    #: The person changed after the latest decision: screen again.
    stale: bool
    #: details requests sent from this case, newest first
    details_requests: list[DetailsRequestRow] = field(default_factory=list)
    #: the user may ask other units about their cases among the matches
    may_request: bool = False
    #: the index of every registered person is still being built: no
    #: matches yet (not "no matches"), with how far it has read
    preparing: ScreeningIndexNotReady | None = None
    #: registered people and watch-list entries left out of the matching
    #: because a stored row of theirs failed its integrity check
    unreadable: int = 0


def _screened_record(case: Case) -> tuple[PersonRecord, dt.datetime] | None:
    """The person of `case` as the matcher reads it, and when it last
    changed; None without a person. Read from the columns (two queries, no
    model instances), as the index reads everyone."""
    for batch in registered_records(Person.objects.filter(case=case), stream=False):
        return batch[0]
    return None


def _screening_matches(
    *, user: User, case: Case, record: PersonRecord, limit: int = SCREENING_CANDIDATES
) -> list[ScreeningMatch]:
    """The best `limit` matches for `record` (the person of `case`), across units."""
    return _screening_answer(user=user, case=case, record=record, limit=limit)[0]


def _screening_answer(
    *, user: User, case: Case, record: PersonRecord, limit: int = SCREENING_CANDIDATES
) -> tuple[list[ScreeningMatch], frozenset[int]]:
    """`_screening_matches`, and the case ids of the people the index
    leaves out: one question to the index (one round trip to the server)."""
    unit = user.unit_id if user_holds_case_role(user) else None
    answer = screening_screen(record, limit=limit, exclude=str(case.pk), unit=unit)
    found = answer.candidates
    cases = {
        c.pk: c
        for c in Case.objects.filter(
            pk__in=[int(c.id) for c in found], data_key__shredded_at__isnull=True
        ).select_related("unit")
    }
    matches = []
    for candidate in found:
        other = cases.get(int(candidate.id))
        if other is None:  # deleted or shredded since it was indexed
            continue
        visible = user_may_act_on_case(user, other)
        # The index sent the records of the user's unit only; of those,
        # a name is shown only when the user may act on the case.
        matched = answer.records.get(candidate.id) if visible else None
        matches.append(
            ScreeningMatch(
                case=other,
                score=candidate.score,
                explanation=candidate.explanation,
                visible=visible,
                name=(matched.name_my or matched.name) if matched is not None else "",
            )
        )
    return matches, answer.left_out


def case_screening(*, user: User, case: Case) -> CaseScreening:
    """Candidate matches for the case's person among every registered person,
    and hits on the active watch-lists (see `watchlist_hits` for what of a
    hit each user sees).

    Matches are searched across all units (that is the point of screening);
    of a case in another unit the result carries only its code, unit and
    the reasons, never the person's name. The caller audits what it shows.
    """
    screened = _screened_record(case)
    decisions = list(
        ScreeningDecision.objects.filter(case=case).select_related(
            "officer", "event__data_key__unit_key"
        )
    )
    if screened is None:
        return CaseScreening(
            has_person=False, matches=[], watch_hits=[], decisions=decisions, stale=False
        )
    record, updated_at = screened
    sent = details_requests_for_case(user=user, case=case)
    latest: dict[int, DetailsRequestRow] = {}
    for row in sent:  # newest first
        latest.setdefault(row.request.about_case_id, row)
    preparing = None
    left_out: frozenset[int] = frozenset()
    try:
        found, left_out = _screening_answer(user=user, case=case, record=record)
    except ScreeningIndexNotReady as exc:
        found, preparing = [], exc
    hits = watchlist_hits(user=user, record=record)
    unreadable = (
        len(left_out - {case.pk})
        + watchlist_unreadable()
        + sent.unreadable
        + sum(1 for hit in hits if hit.list_name is None)
    )
    matches = [replace(m, details=latest.get(m.case.pk)) if not m.visible else m for m in found]
    stale = bool(decisions) and updated_at > decisions[0].person_updated_at
    return CaseScreening(
        has_person=True,
        preparing=preparing,
        matches=matches,
        watch_hits=hits,
        unreadable=unreadable,
        decisions=decisions,
        stale=stale,
        details_requests=sent,
        may_request=user_screens(user) and user_may_act_on_case(user, case),
    )


@dataclass(frozen=True)
class ProposedDuplicate:
    """A batch proposal that names this case; of the other cases, only what
    the user may see (code and unit for another unit's case)."""

    proposal: DuplicateProposal
    others: list[Case]
    may_decide: bool


def duplicate_proposals_for(*, user: User, case: Case) -> list[ProposedDuplicate]:
    proposals = list(
        DuplicateProposal.objects.filter(cases=case)
        .prefetch_related("cases__unit")
        .select_related("decided_by")
    )
    may_screen = user.has_any_role({Role.SCREENING_OFFICER}) and user_may_act_on_case(user, case)
    return [
        ProposedDuplicate(
            proposal=p,
            others=[c for c in p.cases.all() if c.pk != case.pk],
            may_decide=may_screen and p.status == DuplicateStatus.OPEN,
        )
        for p in proposals
    ]


# ------------------------------------------------ cross-unit details requests

#: Requests one screening officer may send in a day (any outcome), so that
#: the request cannot be used to fish for answers about many cases.
DETAILS_REQUESTS_PER_DAY = 20
DETAILS_INCOMING_CLOSED_SHOWN = 30


INDEX_NOT_READY = ScreeningIndexNotReady.message


class DetailsRequestRefused(Exception):
    """A details request that may not be sent. One message whatever the
    cause (no such code, a case of one's own unit, not among the matches),
    so that the refusal tells nothing about other units' case codes."""

    message = _("You can ask only about another unit's case listed among this person's matches.")

    def __init__(self, reason: str, message: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if message is not None:
            self.message = message


def user_screens(user: User) -> bool:
    return user_holds_case_role(user) and user.has_any_role({Role.SCREENING_OFFICER})


def details_requests_sent_today(*, user: User) -> int:
    since = timezone.now() - dt.timedelta(days=1)
    return DetailsRequest.objects.filter(requested_by=user, created_at__gte=since).count()


def details_request_target(
    *, user: User, case: Case, code: str, request: HttpRequest | None = None
) -> Case:
    """The case `code` names, if it is, now, among the matches the screening
    panel of `case` shows this user and lies in a unit the user may not open.

    The code posted is only looked up among the current matches, never in
    the database at large. Raises DetailsRequestRefused; every refusal is
    audited in the user's unit (`cases.details_request_refused`) and, when
    the code names an existing case elsewhere, in that case's unit too.
    """
    reason = ""
    found: Case | None = None
    if not user_screens(user) or not user_may_act_on_case(user, case):
        reason = "not_screening_officer"
    elif details_requests_sent_today(user=user) >= DETAILS_REQUESTS_PER_DAY:
        reason = "rate_limited"
    else:
        try:
            canonical = case_code_normalize(code)
        except InvalidCaseCode:
            canonical = ""
        screened = _screened_record(case) if canonical else None
        if screened is None:
            reason = "not_a_match"
        else:
            try:
                matches = _screening_matches(user=user, case=case, record=screened[0])
            except ScreeningIndexNotReady:
                reason = "index_not_ready"
            else:
                found = next((m.case for m in matches if m.case.code == canonical), None)
                if found is None:
                    reason = "not_a_match"
                elif user_may_act_on_case(user, found) or found.unit_id == case.unit_id:
                    reason = "own_unit"
    if not reason and found is not None:
        return found
    details = {"reason": reason, "screened_case": case.pk}
    audit_record(
        actor=user,
        action="cases.details_request_refused",
        target=case,
        unit=case.unit_id,
        details=details,
        request=request,
    )
    try:
        canonical = case_code_normalize(code)
    except InvalidCaseCode:
        canonical = ""
    named = Case.objects.filter(code=canonical).only("pk", "unit_id").first() if canonical else None
    if named is not None and named.unit_id != case.unit_id:
        audit_record(
            actor=user,
            action="cases.details_request_refused",
            target=named,
            unit=named.unit_id,
            details=details,
            request=request,
        )
    if reason == "rate_limited":
        raise DetailsRequestRefused(
            reason,
            _("You have sent as many details requests as one day allows. Ask headquarters."),
        )
    if reason == "index_not_ready":
        raise DetailsRequestRefused(reason, INDEX_NOT_READY)
    raise DetailsRequestRefused(reason)


def details_request_lapsed(details_request: DetailsRequest, now: dt.datetime | None = None) -> bool:
    """Open, but past its expiry (not yet moved to expired by the expiry run)."""
    now = now or timezone.now()
    return details_request.status == DetailsRequestStatus.OPEN and details_request.expires_at <= now


def _details_requests_readable() -> QuerySet[DetailsRequest]:
    """Requests whose two cases still exist and are not shredded, with the
    keys their events are read with."""
    return DetailsRequest.objects.filter(
        from_case__data_key__shredded_at__isnull=True,
        about_case__data_key__shredded_at__isnull=True,
    ).select_related(
        "from_case__unit",
        "about_case__unit",
        "from_unit",
        "to_unit",
        "requested_by",
        "answered_by",
        "request_event__data_key__unit_key",
        "reply_event__data_key__unit_key",
    )


@dataclass(frozen=True)
class DetailsRequestRow:
    """A details request as a page shows it. `status` is the effective one
    (an open request past its expiry reads as expired)."""

    request: DetailsRequest
    status: str
    status_label: str
    answer_label: str
    #: the matcher's reasons for the pair now: "" when no longer a match,
    #: None while the index is being built
    explanation: str | None = ""
    may_answer: bool = False
    may_withdraw: bool = False


def _row(details_request: DetailsRequest, now: dt.datetime, **extra: Any) -> DetailsRequestRow:
    status = (
        DetailsRequestStatus.EXPIRED
        if details_request_lapsed(details_request, now)
        else details_request.status
    )
    return DetailsRequestRow(
        request=details_request,
        status=status,
        status_label=str(DetailsRequestStatus(status).label),
        answer_label=details_request.get_answer_display() if details_request.answer else "",
        **extra,
    )


def _details_shown(details_request: DetailsRequest) -> DetailsRequest:
    """Decrypt what a page shows of a request (its reason, its reply), so
    that an altered one is left out before rendering (`rows_readable`)."""
    _ = details_request.request_event.body
    if details_request.reply_event_id is not None and details_request.reply_event is not None:
        _ = details_request.reply_event.body
    return details_request


def details_requests_for_case(*, user: User, case: Case) -> Readable[DetailsRequestRow]:
    """The requests sent from `case` (the panel shows them), newest first;
    one whose stored text fails its integrity check is left out, counted
    (`unreadable`) and reported."""
    if not user_may_act_on_case(user, case):
        return Readable()
    if not DetailsRequest.objects.filter(from_case=case).exists():
        return Readable()  # most cases: one light query, not the joins below
    now = timezone.now()
    may_withdraw = user_screens(user)

    def read(r: DetailsRequest) -> DetailsRequestRow:
        return _row(
            _details_shown(r),
            now,
            may_withdraw=may_withdraw
            and not details_request_lapsed(r, now)
            and r.status == DetailsRequestStatus.OPEN,
        )

    return rows_readable(
        _details_requests_readable().filter(from_case=case),
        read=read,
        found_in="cases.screening",
        actor=user,
    )


def _details_request_refused(user: User, pk: int, request: Any) -> None:
    """Audit a look-up of an existing details request the user may not act on."""
    other = DetailsRequest.objects.filter(pk=pk).only("pk", "from_unit_id").first()
    if other is not None:
        audit_record(
            actor=user,
            action="cases.access_refused",
            target=other,
            unit=other.from_unit_id,
            request=request,
        )


def details_request_sent_get(
    *, user: User, pk: int, request: HttpRequest | None = None
) -> DetailsRequest | None:
    """A request sent from a case the user's unit owns now (a request
    follows its case through a transfer, as the case's timeline does).
    None otherwise; an existing request of another unit is audited
    (`cases.access_refused`)."""
    found = None
    if user_screens(user):
        found = _details_requests_readable().filter(pk=pk, from_case__unit_id=user.unit_id).first()
    if found is None:
        _details_request_refused(user, pk, request)
    return found


def details_requests_incoming_for(user: User) -> QuerySet[DetailsRequest]:
    """Requests this user may read and answer: about a case their unit owns
    now (a case transferred after the request takes it to its new unit),
    from another unit's case; for headquarters' screening officers, every
    unit's requests but those headquarters sent itself."""
    if not user_screens(user):
        return DetailsRequest.objects.none()
    qs = _details_requests_readable().exclude(from_unit_id=user.unit_id)
    if user.unit.is_headquarters:
        return qs
    return qs.filter(about_case__unit_id=user.unit_id).exclude(from_case__unit_id=user.unit_id)


def details_request_incoming_get(
    *, user: User, pk: int, request: HttpRequest | None = None
) -> DetailsRequest | None:
    """A request this user may answer; None otherwise, an existing one
    audited (`cases.access_refused`)."""
    found = details_requests_incoming_for(user).filter(pk=pk).first()
    if found is None:
        _details_request_refused(user, pk, request)
    return found


def details_requests_waiting(*, user: User) -> int | None:
    """How many requests wait for this user's answer; None for non-screeners."""
    if not user_screens(user):
        return None
    return (
        details_requests_incoming_for(user)
        .filter(status=DetailsRequestStatus.OPEN, expires_at__gt=timezone.now())
        .count()
    )


def _pair_explanation(from_case: Case, about_case: Case) -> str | None:
    """The matcher's reasons for the pair now (decrypts the screened person);
    "" when the pair no longer scores as a candidate, None while the index
    is being built. One pair is compared, not a search per request."""
    screened = _screened_record(from_case)
    if screened is None:
        return ""
    try:
        found = screening_index().compare(screened[0], str(about_case.pk))
    except ScreeningIndexNotReady:
        return None
    if found is None or found.score < REVIEW_THRESHOLD:
        return ""
    return found.explanation


def details_requests_incoming(*, user: User) -> Readable[DetailsRequestRow]:
    """The incoming page: open requests (with the matcher's reasons, computed
    now) first, then the latest closed ones. A request whose stored text,
    or whose screened person, fails its integrity check is left out,
    counted (`unreadable`) and reported; the others show. The caller
    audits the showing."""
    now = timezone.now()
    qs = details_requests_incoming_for(user)
    waiting = list(
        qs.filter(status=DetailsRequestStatus.OPEN, expires_at__gt=now).order_by("created_at")
    )
    closed = list(qs.exclude(pk__in=[r.pk for r in waiting])[:DETAILS_INCOMING_CLOSED_SHOWN])

    def read(r: DetailsRequest) -> DetailsRequestRow:
        if r in closed:
            return _row(_details_shown(r), now)
        explanation = _pair_explanation(r.from_case, r.about_case)
        return _row(_details_shown(r), now, explanation=explanation, may_answer=True)

    return rows_readable(
        [*waiting, *closed], read=read, found_in="cases.details_requests", actor=user
    )
