"""Every read of case data starts from what this user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from safepassage.audit.services import audit_record
from safepassage.vault.fields import blind_index_filter

from .codes import InvalidCaseCode, case_code_normalize
from .models import Case, CaseTransfer, Person, PersonPhone, ServiceRecord, TransferStatus
from .policies import user_holds_case_role


class CaseNotFound(Exception):
    """No such case for this user: absent, not theirs, or a malformed code.

    One exception for all three, so that a page never tells whether a
    code exists in another unit.
    """


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """The cases this user may see; empty for anyone without a case role."""
    if not user_holds_case_role(user):
        return Case.objects.none()
    return Case.objects.filter(unit_id=user.unit_id)


def case_get_for_user(*, user: Any, code: str, request: Any = None) -> Case:
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


def cases_find_by_phone(*, user: Any, phone: str) -> list[Case]:
    visible = cases_visible_to(user)
    phones = PersonPhone.objects.filter(person__case__in=visible).select_related(
        "person__case", "data_key__unit_key"
    )
    found = blind_index_filter(phones, "number_index", phone)
    return sorted({p.person.case for p in found}, key=lambda c: -c.pk)


def cases_find_by_nrc(*, user: Any, nrc: str) -> list[Case]:
    people = Person.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "data_key__unit_key"
    )
    return [p.case for p in blind_index_filter(people, "nrc_index", nrc)]


def cases_find_by_service_number(*, user: Any, service_number: str) -> list[Case]:
    records = ServiceRecord.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case", "data_key__unit_key"
    )
    return [r.case for r in blind_index_filter(records, "service_number_index", service_number)]


def transfers_incoming_for(user: Any) -> QuerySet[CaseTransfer]:
    """Offers waiting for the user's unit: code and sending unit only."""
    if not user_holds_case_role(user):
        return CaseTransfer.objects.none()
    return CaseTransfer.objects.filter(
        to_unit_id=user.unit_id, status=TransferStatus.PENDING
    ).select_related("case", "from_unit")
