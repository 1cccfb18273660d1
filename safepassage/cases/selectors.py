"""Every read of case data starts from what this user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.roles import Role
from safepassage.audit.services import (
    Readable,
    audit_record,
    integrity_failures_report,
    rows_readable,
)
from safepassage.language import normalize_text
from safepassage.screening.engine import REVIEW_THRESHOLD
from safepassage.screening.records import PersonRecord
from safepassage.vault.exceptions import DecryptionError, KeyShredded
from safepassage.vault.fields import StoredFile, blind_index_filter, default_normalizer
from safepassage.watchlists.selectors import WatchHit, watchlist_hits, watchlist_unreadable

from .army_units import UNIT_TYPE_BY_CODE, describe_unit_left, rank_band, rank_for_text
from .codes import InvalidCaseCode, case_code_normalize
from .models import (
    Case,
    CaseEvent,
    CaseTransfer,
    DetailsRequest,
    DuplicateProposal,
    DuplicateStatus,
    FamilyMember,
    Person,
    PersonPhone,
    ScreeningDecision,
    ServiceRecord,
    Task,
    TransferStatus,
)
from .policies import CASE_ROLES, PERSON_EDITORS, user_holds_case_role, user_may_act_on_case
from .screening.index import (
    ScreeningIndexNotReady,
    registered_records,
    screening_index,
    screening_index_unreadable,
)
from .workflow import TRANSFERABLE, DetailsRequestStatus, Status, moves_from

if TYPE_CHECKING:
    from django.http import HttpRequest

    from safepassage.accounts.models import User


class CaseNotFound(Exception):
    """No such case for this user: absent, not theirs, or a malformed code.

    One exception for all three, so that a page never tells whether a
    code exists in another unit.
    """


def cases_visible_to(user: User) -> QuerySet[Case]:
    """The cases this user may see; empty for anyone without a case role."""
    if not user_holds_case_role(user):
        return Case.objects.none()
    return Case.objects.filter(unit_id=user.unit_id)


def cases_assigned_to(user: User) -> QuerySet[Case]:
    """The visible cases this user is assigned to work on."""
    return cases_visible_to(user).filter(assigned=user)


def case_get_for_user(*, user: User, code: str, request: HttpRequest | None = None) -> Case:
    """The case with this code, if the user may see it. Raises CaseNotFound.

    A refused look-up of an existing case is audited (`cases.access_refused`)
    without saying so to the user.
    """
    try:
        canonical = case_code_normalize(code)
    except InvalidCaseCode:
        raise CaseNotFound() from None
    case = (
        cases_visible_to(user)
        .select_related("unit", "data_key__unit_key")
        .filter(code=canonical)
        .first()
    )
    if case is None:
        other = Case.objects.filter(code=canonical).only("pk", "unit_id").first()
        if other is not None:
            audit_record(
                actor=user,
                action="cases.access_refused",
                target=other,
                unit=other.unit_id,
                request=request,
            )
        raise CaseNotFound()
    return case


def _visible_case_ids(user: User, model: Any, index_field: str, path: str, value: str) -> list[int]:
    """Ids of the cases this user may see that hold `value` in `model.index_field`.

    Starts from `cases_visible_to` and joins down to the blind index, so the
    database looks the index up first. (Filtering the indexed rows by
    `case__in=cases_visible_to(user)` made SQLite list every case of the
    unit first: 17 ms at 70,000 cases against 0.7 ms.)
    """
    indexes = model._meta.get_field(index_field).index_candidates(value)
    return list(
        cases_visible_to(user)
        .filter(**{f"{path}{index_field}__in": indexes})
        .values_list("pk", flat=True)
    )


# `unreadable`, where given, is told of each candidate row that fails its
# integrity check; that row is left out instead of refusing the look-up.
Unreadable = Callable[[DecryptionError], None]


def cases_find_by_phone(
    *, user: User, phone: str, unreadable: Unreadable | None = None
) -> list[Case]:
    ids = _visible_case_ids(user, PersonPhone, "number_index", "person__phones__", phone)
    phones = PersonPhone.objects.filter(person__case_id__in=ids).select_related(
        "person__case", "data_key__unit_key"
    )
    found = blind_index_filter(phones, "number_index", phone, unreadable=unreadable)
    return sorted({p.person.case for p in found}, key=lambda c: -c.pk)


def cases_find_by_nrc(*, user: User, nrc: str, unreadable: Unreadable | None = None) -> list[Case]:
    ids = _visible_case_ids(user, Person, "nrc_index", "person__", nrc)
    people = Person.objects.filter(case_id__in=ids).select_related("case", "data_key__unit_key")
    return [p.case for p in blind_index_filter(people, "nrc_index", nrc, unreadable=unreadable)]


def cases_find_by_service_number(
    *, user: User, service_number: str, unreadable: Unreadable | None = None
) -> list[Case]:
    ids = _visible_case_ids(
        user, ServiceRecord, "service_number_index", "service__", service_number
    )
    records = ServiceRecord.objects.filter(case_id__in=ids).select_related(
        "case", "data_key__unit_key"
    )
    found = blind_index_filter(
        records, "service_number_index", service_number, unreadable=unreadable
    )
    return [r.case for r in found]


def transfers_incoming_for(user: User) -> QuerySet[CaseTransfer]:
    """Offers waiting for the user's unit: code and sending unit only."""
    if not user_holds_case_role(user):
        return CaseTransfer.objects.none()
    return CaseTransfer.objects.filter(
        to_unit_id=user.unit_id, status=TransferStatus.PENDING
    ).select_related("case", "from_unit")


class TransferNotFound(Exception):
    """No pending transfer to this user's unit with that id."""


def transfer_incoming_get_for_user(
    *, user: User, transfer_id: int, request: HttpRequest | None = None
) -> CaseTransfer:
    """A pending offer to the user's unit. Raises TransferNotFound.

    Answering an existing transfer meant for another unit is audited
    (`cases.access_refused`, the transfer as target) without saying so.
    """
    transfer = transfers_incoming_for(user).filter(pk=transfer_id).first()
    if transfer is None:
        other = CaseTransfer.objects.filter(pk=transfer_id).only("pk", "to_unit_id").first()
        if other is not None and other.to_unit_id != getattr(user, "unit_id", None):
            audit_record(
                actor=user,
                action="cases.access_refused",
                target=other,
                unit=other.to_unit_id,
                request=request,
            )
        raise TransferNotFound()
    return transfer


PAGE_SIZE = 50
NAME_SCAN_LIMIT = 20_000
NAME_MATCH_THRESHOLD = 85


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A row of the case list: no model instance, nothing encrypted."""

    pk: int
    code: str
    status: str
    priority: int
    updated_at: dt.datetime
    conversation_unread_since: dt.datetime | None = None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    status: str
    next_before: int | None
    unread: bool = False


def case_page(
    *, user: User, status: str = "", before: str | int = "", unread: bool = False
) -> CasePage:
    """One page of the unit's cases, newest first, by keyset (id < before);
    with `unread`, only those whose conversation has news from the person.

    Reads no encrypted field: the list decrypts nothing.
    """
    qs = cases_visible_to(user)
    if unread:
        qs = qs.filter(conversation_unread_since__isnull=False)
    if status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    try:
        before_id = int(before) if before not in ("", None) else None
    except (TypeError, ValueError):
        before_id = None
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    columns = ("id", "code", "status", "priority", "updated_at", "conversation_unread_since")
    rows = [
        CaseRow(*values) for values in qs.order_by("-id").values_list(*columns)[: PAGE_SIZE + 1]
    ]
    next_before = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return CasePage(rows=rows[:PAGE_SIZE], status=status, next_before=next_before, unread=unread)


def cases_unread_count(*, user: User) -> int:
    """How many of the user's unit's cases have news from the person."""
    return int(cases_visible_to(user).filter(conversation_unread_since__isnull=False).count())


def unit_dashboard(*, user: User) -> dict[str, Any]:
    """Counts by status, tasks due within a week, transfers waiting. No personal data."""
    visible = cases_visible_to(user)
    counts = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    soon = timezone.localdate() + dt.timedelta(days=7)
    tasks = (
        Task.objects.filter(case__in=visible, done_at__isnull=True, due_on__lte=soon)
        .select_related("case")
        .only("id", "due_on", "case__code", "case__id")
        .order_by("due_on")[:20]
    )
    return {
        "status_counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "total": sum(counts.values()),
        "tasks_due": list(tasks),
        "today": timezone.localdate(),
        "incoming": list(transfers_incoming_for(user)),
        "details_waiting": details_requests_waiting(user=user),
        "unread": cases_unread_count(user=user),
    }


def _names_match(query: str, person: Person) -> bool:
    from rapidfuzz import fuzz

    wanted = default_normalizer(normalize_text(query))
    candidates = [person.name_my, person.name_latin, *(person.aliases or [])]
    return any(
        fuzz.WRatio(wanted, default_normalizer(str(c))) >= NAME_MATCH_THRESHOLD
        for c in candidates
        if c
    )


@dataclass(frozen=True)
class CaseSearch:
    """A search's cases, and how many records it could not read (each
    failed its integrity check, was left out and reported to headquarters)."""

    cases: list[Case]
    unreadable: int = 0


def cases_search(*, user: User, query: str, request: HttpRequest | None = None) -> CaseSearch:
    """Search the user's cases by code, phone, NRC, service number or name.

    Exact kinds go through blind indexes. A name search decrypts the names
    of the unit's people (at most NAME_SCAN_LIMIT) in memory. A row that
    fails its integrity check is left out, counted, and given an integrity
    alert (once per row), so that one altered row does not stop every
    search of its unit. Every search is audited with its kind, the number
    of results and of rows left out, never the query.
    """
    from .forms import detect_query_kind

    failures: list[DecryptionError] = []
    kind = detect_query_kind(query)
    if kind == "code":
        try:
            results = [case_get_for_user(user=user, code=query, request=request)]
        except CaseNotFound:
            results = []
    elif kind == "phone":
        results = cases_find_by_phone(user=user, phone=query, unreadable=failures.append)
    elif kind == "nrc":
        results = cases_find_by_nrc(user=user, nrc=query, unreadable=failures.append)
    elif kind == "service_number":
        results = cases_find_by_service_number(
            user=user, service_number=query, unreadable=failures.append
        )
    else:
        people = (
            Person.objects.filter(case__in=cases_visible_to(user))
            .select_related("case", "data_key__unit_key")
            .order_by("-case_id")[:NAME_SCAN_LIMIT]
        )
        results = []
        for person in people:
            try:
                if _names_match(query, person):
                    results.append(person.case)
            except KeyShredded:  # shredded since the query: gone, not altered
                continue
            except DecryptionError as exc:
                failures.append(exc)
    if failures:
        integrity_failures_report(
            errors=failures, found_in="cases:search", actor=user, request=request
        )
    if user_holds_case_role(user):
        details: dict[str, object] = {"kind": kind, "results": len(results)}
        if failures:
            details["unreadable"] = len(failures)
        audit_record(
            actor=user,
            action="cases.searched",
            unit=user.unit_id,
            request=request,
            details=details,
        )
    return CaseSearch(cases=results, unreadable=len(failures))


PERSON_DISPLAY_FIELDS = (
    "honorific",
    "name_my",
    "name_latin",
    "aliases",
    "sex",
    "birth",
    "father_name",
    "nrc",
    "home_township",
    "phones",
    "family",
)


def _event_shown(event: CaseEvent) -> CaseEvent:
    _ = event.body
    return event


def _task_shown(task: Task) -> Task:
    _ = task.title
    return task


def case_detail_context(*, user: User, case: Case) -> dict[str, Any]:
    """What the detail page shows; `fields_shown` names the decrypted fields."""
    person = Person.objects.filter(case=case).select_related("case", "data_key__unit_key").first()
    fields_shown = ["summary", "timeline"]
    if person is not None:
        fields_shown += list(PERSON_DISPLAY_FIELDS)
    # Every encrypted row is read with its data-key row in the same query:
    # the key is checked against the row just read (a key shredded by
    # another worker stops working at once), without a query per row.
    with_key = ("data_key__unit_key",)
    service = ServiceRecord.objects.filter(case=case).select_related(*with_key).first()
    if service is not None:
        fields_shown += ["rank", "unit_left", "service_number"]
    moves = [
        m
        for m in moves_from(case.status)
        if user_may_act_on_case(user, case) and user.has_any_role(m.roles)
    ]
    return {
        "case": case,
        "person": person,
        "phones": list(person.phones.select_related(*with_key)) if person else [],
        "family": list(person.family.select_related(*with_key)) if person else [],
        "service": service,
        # An event or task whose text fails its integrity check is left
        # out and counted, and headquarters alerted: one altered note never
        # stops the case's page.
        "events": rows_readable(
            case.events.select_related("actor", *with_key)[:100],
            read=_event_shown,
            found_in="cases.detail",
            actor=user,
        ),
        "tasks": rows_readable(
            case.tasks.filter(done_at__isnull=True)
            .select_related("assignee", *with_key)
            .order_by("due_on"),
            read=_task_shown,
            found_in="cases.detail",
            actor=user,
        ),
        "moves": moves,
        "pending_transfer": case.transfers.filter(status=TransferStatus.PENDING)
        .select_related("to_unit")
        .first(),
        "may_transfer": case.status in TRANSFERABLE
        and user.has_any_role({"unit_handler", "intake_operator"}),
        "may_edit_person": user.has_any_role(PERSON_EDITORS),
        "may_protect": user.has_any_role({"protection_officer"}),
        "may_assign": user.has_any_role({"unit_handler"}),
        "assignable": assignable_staff(case=case),
        "assigned_ids": set(case.assigned.values_list("pk", flat=True)),
        "home_township": _township_name(person.home_township if person else None),
        "service_unit_left": describe_unit_left(service.unit_left) if service else "",
        "fields_shown": fields_shown,
    }


def case_family(*, case: Case) -> list[FamilyMember]:
    """The family members of the case's person, with their keys (not yet
    decrypted: the caller audits the read of the fields it shows)."""
    return list(
        FamilyMember.objects.filter(person__case=case)
        .select_related("person__case", "data_key__unit_key")
        .order_by("id")
    )


def family_member_get(*, case: Case, pk: int) -> FamilyMember | None:
    """One family member of this case's person, or None (absent or another
    case's: the caller answers both alike)."""
    return (
        FamilyMember.objects.filter(person__case=case, pk=pk)
        .select_related("person__case", "data_key__unit_key")
        .first()
    )


def case_has_person(*, case: Case) -> bool:
    return Person.objects.filter(case=case).exists()


def person_photo(*, case: Case) -> StoredFile | None:
    """The stored photo of the case's person, if any (not yet decrypted)."""
    person = Person.objects.filter(case=case).select_related("case", "data_key__unit_key").first()
    photo = person.photo if person is not None else None
    return photo if isinstance(photo, StoredFile) else None


def person_initial(*, case: Case) -> dict[str, Any]:
    """The person's values as PersonForm initial data (decrypts every field)."""
    person = Person.objects.filter(case=case).select_related("case", "data_key__unit_key").first()
    if person is None:
        return {}
    birth = person.birth or {}
    return {
        "honorific": person.honorific or "",
        "name_my": person.name_my or "",
        "name_latin": person.name_latin or "",
        "aliases": "\n".join(person.aliases or []),
        "sex": person.sex or "",
        "birth_precision": birth.get("precision", ""),
        "birth_date": birth.get("date", ""),
        "birth_year": birth.get("year", ""),
        "father_name": person.father_name or "",
        "nrc": person.nrc or "",
        "phones": "\n".join(p.number for p in person.phones.select_related("data_key__unit_key")),
        "home_township": _township_label(person.home_township),
    }


def service_initial(*, case: Case) -> dict[str, Any]:
    """The service record as ServiceRecordForm initial data (decrypts rank and unit)."""
    record = (
        ServiceRecord.objects.filter(case=case).select_related("case", "data_key__unit_key").first()
    )
    if record is None:
        return {}
    unit: dict[str, Any] = record.unit_left if isinstance(record.unit_left, dict) else {}
    batch_raw = unit.get("batch")
    batch: dict[str, Any] = batch_raw if isinstance(batch_raw, dict) else {}
    rank = rank_for_text(record.rank)
    return {
        "category": record.category,
        "stage": record.stage,
        "rank": rank.code if rank else "",
        "unit_type": unit.get("type", ""),
        "unit_number": unit.get("number", ""),
        "unit_left_text": record.unit_left_text or "",
        "batch_number": batch.get("number", ""),
        "batch_year": batch.get("year", ""),
    }


@dataclass(frozen=True)
class ServiceFacts:
    """The coarse service values reports may count, and nothing else."""

    category: str
    stage: str
    unit_type: str | None
    unit_number: int | None
    batch_number: int | None
    batch_year: int | None
    rank_band: str | None


def service_facts_for_reporting(case_ids: Iterable[int]) -> dict[int, ServiceFacts]:
    """Coarse service facts per case id, for reporting rollups only.

    Decrypts the rank and the structured unit of every record asked for:
    call it from a background job over changed cases, never per page view.
    Cases without a service record, or whose key is shredded or whose values
    fail their integrity check, are left out (the latter reported as
    integrity failures). Nothing decrypted leaves this function but the
    values of ``ServiceFacts``. One audit event records the read (how many
    records, never which values).
    """
    ids = sorted({int(i) for i in case_ids})
    found: dict[int, ServiceFacts] = {}
    if not ids:
        return found

    def facts(record: ServiceRecord) -> tuple[int, ServiceFacts]:
        unit: dict[str, Any] = record.unit_left if isinstance(record.unit_left, dict) else {}
        batch_raw = unit.get("batch")
        batch: dict[str, Any] = batch_raw if isinstance(batch_raw, dict) else {}
        number = unit.get("number")
        return record.case_id, ServiceFacts(
            category=record.category,
            stage=record.stage,
            unit_type=unit.get("type") if unit.get("type") in UNIT_TYPE_BY_CODE else None,
            unit_number=number if isinstance(number, int) else None,
            batch_number=batch.get("number") if isinstance(batch.get("number"), int) else None,
            batch_year=batch.get("year") if isinstance(batch.get("year"), int) else None,
            rank_band=rank_band(record.rank),
        )

    chunk = 2000
    for start in range(0, len(ids), chunk):
        rows = ServiceRecord.objects.filter(case_id__in=ids[start : start + chunk]).select_related(
            "data_key__unit_key"
        )
        found.update(rows_readable(rows, read=facts, found_in="cases.service_facts"))
    audit_record(
        actor=None,
        action="cases.service_facts_read",
        details={"asked": len(ids), "read": len(found), "purpose": "reporting"},
    )
    return found


def _township_label(pcode: str | None) -> str:
    """The person form's text for a stored place code: "Name (MMR…)"."""
    if not pcode:
        return ""
    from safepassage.geo.selectors import township_by_pcode

    from .forms import township_label

    township = township_by_pcode(pcode)
    return township_label(township.pcode, township.name_en) if township else pcode


def _township_name(pcode: str | None) -> str:
    if not pcode:
        return ""
    from safepassage.geo.selectors import township_by_pcode

    township = township_by_pcode(pcode)
    if township is None:
        return pcode
    return f"{township.name_en} / {township.name_my}"


def assignable_staff(*, case: Case) -> list[Any]:
    """Active members of the case's unit who hold a case role."""
    from django.contrib.auth import get_user_model

    # One query: asking each user for its roles would cost one more per member.
    return list(
        get_user_model()
        .objects.filter(unit_id=case.unit_id, is_active=True, groups__name__in=CASE_ROLES)
        .distinct()
        .order_by("username")
    )


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
    index = screening_index()
    found = [c for c in index.search(record, limit=limit + 1) if c.id != str(case.pk)][:limit]
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
        # The matched person's name is asked for only when it is shown.
        matched = index.record(candidate.id) if visible else None
        matches.append(
            ScreeningMatch(
                case=other,
                score=candidate.score,
                explanation=candidate.explanation,
                visible=visible,
                name=(matched.name_my or matched.name) if matched is not None else "",
            )
        )
    return matches


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
    try:
        found = _screening_matches(user=user, case=case, record=record)
    except ScreeningIndexNotReady as exc:
        found, preparing = [], exc
    hits = watchlist_hits(user=user, record=record)
    unreadable = (
        len(screening_index_unreadable() - {case.pk})
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


# --- for intake, which sits above cases ---------------------------------------------


def case_code_taken(code: str) -> bool:
    """Whether a case already holds `code` (intake draws a person's code
    before any case exists, and must not draw one a case holds)."""
    return Case.objects.filter(code=code).exists()


def case_named_by_code(code: str) -> Case | None:
    """The case that holds the canonical `code`, with its unit, whatever its
    unit: intake's operators join a conversation to the case the person
    names (`intake.services.contact_link_case`, which checks the operator's
    own scope and audits the link in both units). Not for pages: a page
    reads through `case_get_for_user`."""
    return Case.objects.select_related("unit").filter(code=code).first()
