"""Every read of case data starts from what this user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from safepassage.audit.services import (
    audit_record,
    integrity_failures_report,
    rows_readable,
)
from safepassage.language import normalize_text
from safepassage.vault.exceptions import DecryptionError, KeyShredded
from safepassage.vault.fields import StoredFile, blind_index_filter, default_normalizer

from .army_units import UNIT_TYPE_BY_CODE, describe_unit_left, rank_band, rank_for_text
from .codes import InvalidCaseCode, case_code_normalize
from .models import (
    Case,
    CaseEvent,
    CaseTransfer,
    FamilyMember,
    Person,
    PersonPhone,
    ServiceRecord,
    Task,
    TransferStatus,
)
from .policies import CASE_ROLES, PERSON_EDITORS, user_holds_case_role, user_may_act_on_case
from .workflow import TRANSFERABLE, Status, moves_from

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
