"""Every write to a case. Keyword-only, atomic, audited in the same transaction.

One module per sub-domain: `write` (`_case_write`, the lock, check, bump
and audit every write to a case goes through; `case_lock`; StaleCase and
IllegalTransition), `cases`, `transfers`, `person` (and family),
`service_record`, `tasks`. The screening officer's writes are in
`cases.screening.services`.

Other apps import from here (the public API, `__all__`); modules inside
`cases` import from the sub-modules.
"""

from .cases import (
    case_assign,
    case_conversation_read,
    case_message_received,
    case_note_add,
    case_open,
    case_transition,
)
from .person import FAMILY_EDITORS, FAMILY_FIELDS, family_member_save, person_save
from .service_record import SERVICE_RECORD_FIELDS, service_record_save
from .tasks import task_complete, task_create, task_raise
from .transfers import case_transfer_accept, case_transfer_decline, case_transfer_request
from .write import CaseWrite, IllegalTransition, StaleCase, case_lock

__all__ = [
    "FAMILY_EDITORS",
    "FAMILY_FIELDS",
    "SERVICE_RECORD_FIELDS",
    "CaseWrite",
    "IllegalTransition",
    "StaleCase",
    "case_assign",
    "case_conversation_read",
    "case_lock",
    "case_message_received",
    "case_note_add",
    "case_open",
    "case_transfer_accept",
    "case_transfer_decline",
    "case_transfer_request",
    "case_transition",
    "family_member_save",
    "person_save",
    "service_record_save",
    "task_complete",
    "task_create",
    "task_raise",
]
