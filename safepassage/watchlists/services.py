"""Every write to a watch-list. Keyword-only, atomic, audited in the same transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import Unit, User
from safepassage.audit.services import audit_record
from safepassage.language import normalize_text
from safepassage.screening.records import features_from_record

from .matching import cells_record
from .models import WatchList, WatchListEntry, WatchListImport
from .policies import user_keeps_watchlists
from .reading import COLUMNS, ListFile

#: Longest cell kept (notes may be longer); a longer one rejects its row.
MAX_CELL = 200
MAX_NOTES = 2000
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


class RowStatus:
    ADDED = "added"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    EMPTY = "empty"


@dataclass(frozen=True)
class ImportResult:
    watch_import: WatchListImport
    added: int
    rejected: int


def _require_keeper(actor: User) -> Unit:
    if not user_keeps_watchlists(actor):
        raise PermissionDenied
    return actor.unit


@transaction.atomic
def watchlist_create(*, actor: User, name: str, description: str = "") -> WatchList:
    unit = _require_keeper(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the list a name."))
    watch_list = WatchList.objects.create(
        unit=unit, name=name, description=(description or "").strip(), created_by=actor
    )
    audit_record(actor=actor, action="watchlists.created", target=watch_list, unit=unit)
    return watch_list


@transaction.atomic
def watchlist_set_active(*, actor: User, watch_list: WatchList, active: bool) -> None:
    _require_keeper(actor)
    WatchList.objects.filter(pk=watch_list.pk).update(is_active=active)
    watch_list.is_active = active
    audit_record(
        actor=actor,
        action="watchlists.activated" if active else "watchlists.deactivated",
        target=watch_list,
        unit=watch_list.unit_id,
    )


def _clean_cell(column: str, raw: str, codes: list[str]) -> str:
    text = _CONTROL.sub("", raw)
    if text != raw:
        codes.append(f"{column}:control_characters")
    text = normalize_text(" ".join(text.split()) if column != "notes" else text.strip())
    if len(text) > (MAX_NOTES if column == "notes" else MAX_CELL):
        codes.append(f"{column}:too_long")
    return text


@transaction.atomic
def watchlist_import(*, actor: User, watch_list: WatchList, sheet: ListFile) -> ImportResult:
    """Add the rows of `sheet` to the list; report on every row.

    A row is added, or it is not and the report says why: `empty`, a
    `duplicate` of an earlier row (of this file or already on the list),
    or `rejected` (nothing to match on, a cell too long). Warnings that do
    not stop a row (an unreadable date or NRC, an unknown township, Zawgyi
    converted) are reported with it. The report holds row numbers and
    codes, never a value.
    """
    _require_keeper(actor)
    locked = WatchList.objects.select_for_update().get(pk=watch_list.pk)
    seen = {
        _fingerprint(_entry_cells(e)) for e in locked.entries.select_related("data_key__unit_key")
    }
    this_year = timezone.now().year
    report: list[dict[str, object]] = []
    pending: list[tuple[int, dict[str, str]]] = []
    for row in sheet.rows:
        codes = list(row.codes)
        cells = {c: _clean_cell(c, row.cells.get(c, ""), codes) for c in COLUMNS}
        if not any(cells.values()):
            report.append({"row": row.number, "status": RowStatus.EMPTY, "codes": codes})
            continue
        if not any(cells[c] for c in ("name", "name_my", "nrc", "phone")):
            codes.append("row:nothing_to_match")
        if any(code.endswith(("too_long", "nothing_to_match")) for code in codes):
            report.append({"row": row.number, "status": RowStatus.REJECTED, "codes": codes})
            continue
        fingerprint = _fingerprint(cells)
        if fingerprint in seen:
            report.append({"row": row.number, "status": RowStatus.DUPLICATE, "codes": codes})
            continue
        seen.add(fingerprint)
        features = features_from_record(cells_record(str(row.number), cells), this_year=this_year)
        codes.extend(features.warnings)
        report.append({"row": row.number, "status": RowStatus.ADDED, "codes": codes})
        pending.append((row.number, cells))
    added = len(pending)
    watch_import = WatchListImport.objects.create(
        watch_list=locked,
        imported_by=actor,
        file_format=sheet.file_format,
        rows_read=len(sheet.rows),
        rows_added=added,
        rows_rejected=len(sheet.rows) - added,
        report=report,
    )
    WatchListEntry.objects.bulk_create(
        [
            WatchListEntry(
                watch_list=locked,
                data_key=locked.data_key,
                imported_in=watch_import,
                row=number,
                name_latin=cells["name"],
                name_my=cells["name_my"],
                father_name=cells["father_name"],
                date_of_birth=cells["date_of_birth"],
                nrc=cells["nrc"],
                phone=cells["phone"],
                township=cells["township"],
                notes=cells["notes"],
            )
            for number, cells in pending
        ],
        batch_size=500,
    )
    audit_record(
        actor=actor,
        action="watchlists.imported",
        target=locked,
        unit=locked.unit_id,
        details={
            "file_format": sheet.file_format,
            "rows_read": len(sheet.rows),
            "rows_added": added,
        },
    )
    return ImportResult(watch_import, added, len(sheet.rows) - added)


def _entry_cells(entry: WatchListEntry) -> dict[str, str]:
    return {
        "name": entry.name_latin or "",
        "name_my": entry.name_my or "",
        "father_name": entry.father_name or "",
        "date_of_birth": entry.date_of_birth or "",
        "nrc": entry.nrc or "",
        "phone": entry.phone or "",
        "township": entry.township or "",
        "notes": entry.notes or "",
    }


def _fingerprint(cells: dict[str, str]) -> tuple[str, ...]:
    return tuple(cells[c].casefold() for c in COLUMNS if c != "notes")
