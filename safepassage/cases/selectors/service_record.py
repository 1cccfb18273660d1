"""The service record as its form reads it, and the coarse facts reports
may count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safepassage.audit.services import audit_record, rows_readable

from ..army_units import UNIT_TYPE_BY_CODE, rank_band, rank_for_text
from ..models import Case, ServiceRecord

if TYPE_CHECKING:
    pass


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
            "case", "data_key__unit_key"
        )
        found.update(rows_readable(rows, read=facts, found_in="cases.service_facts"))
    audit_record(
        actor=None,
        action="cases.service_facts_read",
        details={"asked": len(ids), "read": len(found), "purpose": "reporting"},
    )
    return found
