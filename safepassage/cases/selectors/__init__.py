"""Every read of case data starts from what this user may see
(`cases_visible_to`, `case_get_for_user`).

One module per sub-domain: `cases` (visibility, a case by code, the exact
look-ups), `lists` (the case list, the dashboard), `search`, `detail` (the
case page), `person` (and family), `service_record` (and the facts reports
count), `transfers`. The screening officer's reads are in
`cases.screening.selectors`.

Other apps import from here (the public API, `__all__`); modules inside
`cases` import from the sub-modules.
"""

from .cases import (
    CaseNotFound,
    Unreadable,
    case_code_taken,
    case_get_for_user,
    case_named_by_code,
    cases_assigned_to,
    cases_find_by_nrc,
    cases_find_by_phone,
    cases_find_by_service_number,
    cases_visible_to,
)
from .detail import PERSON_DISPLAY_FIELDS, assignable_staff, case_detail_context
from .lists import PAGE_SIZE, CasePage, CaseRow, case_page, cases_unread_count, unit_dashboard
from .person import (
    PERSON_FIELDS,
    case_family,
    case_has_person,
    family_member_get,
    person_initial,
    person_photo,
    township_label,
)
from .search import (
    NAME_MATCH_THRESHOLD,
    NAME_SCAN_LIMIT,
    CaseSearch,
    cases_search,
    detect_query_kind,
)
from .service_record import ServiceFacts, service_facts_for_reporting, service_initial
from .transfers import TransferNotFound, transfer_incoming_get_for_user, transfers_incoming_for

__all__ = [
    "NAME_MATCH_THRESHOLD",
    "NAME_SCAN_LIMIT",
    "PAGE_SIZE",
    "PERSON_DISPLAY_FIELDS",
    "PERSON_FIELDS",
    "CaseNotFound",
    "CasePage",
    "CaseRow",
    "CaseSearch",
    "ServiceFacts",
    "TransferNotFound",
    "Unreadable",
    "assignable_staff",
    "case_code_taken",
    "case_detail_context",
    "case_family",
    "case_get_for_user",
    "case_has_person",
    "case_named_by_code",
    "case_page",
    "cases_assigned_to",
    "cases_find_by_nrc",
    "cases_find_by_phone",
    "cases_find_by_service_number",
    "cases_search",
    "cases_unread_count",
    "cases_visible_to",
    "detect_query_kind",
    "family_member_get",
    "person_initial",
    "person_photo",
    "service_facts_for_reporting",
    "service_initial",
    "township_label",
    "transfer_incoming_get_for_user",
    "transfers_incoming_for",
    "unit_dashboard",
]
