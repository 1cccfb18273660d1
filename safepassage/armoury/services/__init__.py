"""Every write in the armoury. Keyword-only, atomic, audited in the same
transaction. Split by sub-domain: items (register and duplicate serials),
custody (moves and counts), schedule, claims."""

from .claims import (
    ClaimRefused,
    Computation,
    claim_approve,
    claim_cancel,
    claim_compute,
    claim_propose,
    claim_refuse,
)
from .custody import count_record, custody_move, discrepancy_resolve
from .items import alert_decide, item_record, serial_matches
from .payment import claim_pay, handover_receipt_issue
from .schedule import RateInput, schedule_version_create

__all__ = [
    "ClaimRefused",
    "Computation",
    "RateInput",
    "alert_decide",
    "claim_approve",
    "claim_cancel",
    "claim_compute",
    "claim_pay",
    "claim_propose",
    "claim_refuse",
    "count_record",
    "custody_move",
    "discrepancy_resolve",
    "handover_receipt_issue",
    "item_record",
    "schedule_version_create",
    "serial_matches",
]
