"""The search box: by code, phone, NRC or service number through blind
indexes, or by name in memory; audited without the query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from safepassage.audit.services import audit_record, integrity_failures_report
from safepassage.language import normalize_text
from safepassage.language.digits import digits_to_ascii
from safepassage.language.errors import InvalidInputError
from safepassage.language.nrc import parse_nrc
from safepassage.vault.exceptions import DecryptionError, KeyShredded
from safepassage.vault.fields import default_normalizer

from ..codes import InvalidCaseCode, case_code_normalize
from ..models import Case, Person
from ..policies import user_holds_case_role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from safepassage.accounts.models import User
from .cases import (
    CaseNotFound,
    case_get_for_user,
    cases_find_by_nrc,
    cases_find_by_phone,
    cases_find_by_service_number,
    cases_visible_to,
)

NAME_SCAN_LIMIT = 20_000


NAME_MATCH_THRESHOLD = 85


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


def detect_query_kind(query: str) -> str:
    """ "code", "phone", "nrc", "service_number" or "name", from the shape alone."""
    text = query.strip()
    try:
        case_code_normalize(text)
        return "code"
    except InvalidCaseCode:
        pass
    if "/" in text and "(" in text:
        try:
            parse_nrc(text)
            return "nrc"
        except InvalidInputError:
            pass
    ascii_text = digits_to_ascii(text)
    digits = sum(ch.isdigit() for ch in ascii_text)
    if digits >= 7 and all(ch.isdigit() or ch in "+-. ()" for ch in ascii_text):
        return "phone"
    if digits >= 3:
        return "service_number"
    return "name"
