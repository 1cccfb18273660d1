"""Writes of the reports app: marking cases dirty, refreshing, rebuilding,
and auditing what is read and exported.

Guarantees:
- the cubes equal the sum of the stored contributions after every
  refresh (`reports_refresh`) or rebuild (`reports_rebuild`); the tests
  check incremental == full rebuild over random changes;
- a refresh reads only the dirty cases (decrypting their facts once),
  subtracts what each counted before and adds what it counts now, in one
  transaction per batch, under a lock on `ReportState`, so that two
  refreshes never apply the same difference twice;
- a mark made while a refresh works on the case survives (the version
  check), so no change is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from safepassage.armoury.reporting import items_for_reporting
from safepassage.audit.services import audit_record
from safepassage.cases import reporting as cases_reporting
from safepassage.reintegration.reporting import plans_for_reporting
from safepassage.vault import keys

from . import rollups
from .models import ReportCell, ReportContribution, ReportState
from .sources import grievance_cells, service_facts_for_reporting

logger = logging.getLogger("safepassage.reports")

BATCH = 500


def reporting_mark_dirty(case_id: int) -> None:
    """Mark one case's contribution for the next refresh. Cheap (one
    upsert, no decryption); safe inside the caller's transaction."""
    updated = ReportContribution.objects.filter(case_id=case_id).update(
        dirty=True, version=F("version") + 1
    )
    if updated:
        return
    try:
        with transaction.atomic():
            ReportContribution.objects.create(
                case_id=case_id, cells={}, dirty=True, data_key=_contribution_key()
            )
    except IntegrityError:  # marked by another transaction meanwhile
        ReportContribution.objects.filter(case_id=case_id).update(
            dirty=True, version=F("version") + 1
        )


def _state(*, lock: bool = False) -> ReportState:
    queryset = ReportState.objects.select_for_update() if lock else ReportState.objects
    state = queryset.filter(pk=1).first()
    if state is None:
        try:
            with transaction.atomic():
                state = ReportState.objects.create(pk=1)
        except IntegrityError:
            state = queryset.get(pk=1)
    return state


def _contribution_key() -> Any:
    state = _state()
    if state.contribution_key_id is None:
        data_key = keys.data_key_create(scope=keys.SYSTEM_SCOPE, owner="reports.reportcontribution")
        ReportState.objects.filter(pk=1, contribution_key=None).update(contribution_key=data_key)
        state.refresh_from_db()
    return state.contribution_key


def gather(case_ids: Iterable[int]) -> dict[int, rollups.Sources]:
    """The facts of the cases that still exist among `case_ids`, read
    through the owning apps' reporting selectors (decrypting)."""
    ids = sorted(set(case_ids))
    facts = cases_reporting.case_facts_for_reporting(ids)
    present = list(facts)
    services = service_facts_for_reporting(present)
    items = items_for_reporting(present)
    plans = plans_for_reporting(present)
    return {
        case_id: rollups.Sources(
            case=facts[case_id],
            service=services.get(case_id),
            items=items.get(case_id, ()),
            plans=plans.get(case_id, ()),
        )
        for case_id in present
    }


def _apply(delta: dict[str, int]) -> None:
    """Add `delta` to the cubes; cells brought to zero are removed."""
    if not delta:
        return
    parsed = {cell: rollups.split_cell(cell) for cell in delta}
    by_cube: dict[str, set[dt.date]] = defaultdict(set)
    units: set[int] = set()
    for cube, _kind, start, unit_id, _key in parsed.values():
        by_cube[cube].add(start)
        units.add(unit_id)
    existing: dict[tuple[str, str, dt.date, int, str], ReportCell] = {}
    for cube, starts in by_cube.items():
        for row in ReportCell.objects.filter(cube=cube, period_start__in=starts, unit_id__in=units):
            existing[(row.cube, row.period_kind, row.period_start, row.unit_id, row.key)] = row
    to_create: list[ReportCell] = []
    to_update: list[ReportCell] = []
    to_delete: list[int] = []
    for cell, change in delta.items():
        cube, kind, start, unit_id, key = parsed[cell]
        found = existing.get((cube, kind, start, unit_id, key))
        if found is None:
            if change < 0:
                raise RuntimeError("reports: a cell would go below zero; rebuild the reports")
            to_create.append(
                ReportCell(
                    cube=cube,
                    period_kind=kind,
                    period_start=start,
                    unit_id=unit_id,
                    key=key,
                    count=change,
                )
            )
            continue
        row = found
        row.count += change
        if row.count < 0:
            raise RuntimeError("reports: a cell would go below zero; rebuild the reports")
        if row.count == 0:
            to_delete.append(row.pk)
        else:
            to_update.append(row)
    if to_delete:
        ReportCell.objects.filter(pk__in=to_delete).delete()
    if to_update:
        ReportCell.objects.bulk_update(to_update, ["count"], batch_size=1000)
    if to_create:
        ReportCell.objects.bulk_create(to_create, batch_size=1000)


def reports_refresh(*, batch: int = BATCH, limit: int | None = None) -> int:
    """Bring the cubes up to date for every dirty case (or `limit` of
    them); returns how many cases were refreshed. Needs the key ring."""
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        with transaction.atomic():
            _state(lock=True)
            marks = list(
                ReportContribution.objects.select_for_update(of=("self",))
                .select_related("data_key__unit_key")
                .filter(dirty=True)
                .order_by("case_id")[:size]
            )
            if not marks:
                break
            sources = gather(m.case_id for m in marks)
            delta: dict[str, int] = {}
            now = timezone.now()
            for mark in marks:
                old = mark.cells or {}
                source = sources.get(mark.case_id)
                new = rollups.contribution(source) if source is not None else {}
                for cell, change in rollups.difference(old, new).items():
                    delta[cell] = delta.get(cell, 0) + change
                mark.cells = new
                mark.dirty = False
                mark.refreshed_at = now
            _apply({cell: n for cell, n in delta.items() if n})
            # The marks are row-locked: a writer marking one of these cases
            # again waits for this commit, and its mark then stands.
            for mark in marks:
                mark.save(update_fields=["cells", "dirty", "refreshed_at"])
            ReportState.objects.filter(pk=1).update(refreshed_at=now)
            done += len(marks)
        if len(marks) < size:
            break
    with transaction.atomic():
        _state(lock=True)
        _grievances_sync()
        if done == 0:
            ReportState.objects.filter(pk=1).update(refreshed_at=timezone.now())
    return done


def _grievances_sync() -> None:
    """The grievances cube, replaced from the grievances app's own monthly
    counts (already aggregate: nothing per case, nothing decrypted)."""
    ReportCell.objects.filter(cube="grievances").delete()
    ReportCell.objects.bulk_create(
        [
            ReportCell(
                cube="grievances",
                period_kind="month",
                period_start=month,
                unit_id=unit_id,
                key=rollups.cell_key(kind=rollups.code(kind)),
                count=count,
            )
            for unit_id, month, kind, count in grievance_cells()
        ],
        batch_size=1000,
    )


def reports_rebuild(*, batch: int = BATCH) -> int:
    """Recount every case from its sources and replace the cubes; returns
    the number of cases counted. Under the refresh lock, in one
    transaction: readers see the old figures until it commits."""
    with transaction.atomic():
        _state(lock=True)
        key = _contribution_key()
        total: dict[str, int] = defaultdict(int)
        seen: set[int] = set()
        now = timezone.now()
        for ids in cases_reporting.case_ids_for_reporting(batch=batch):
            sources = gather(ids)
            known = {c.case_id: c for c in ReportContribution.objects.filter(case_id__in=ids)}
            new_rows = []
            for case_id in ids:
                source = sources.get(case_id)
                cells = rollups.contribution(source) if source is not None else {}
                for cell, n in cells.items():
                    total[cell] += n
                row = known.get(case_id)
                if row is None:
                    new_rows.append(
                        ReportContribution(
                            case_id=case_id,
                            cells=cells,
                            dirty=False,
                            refreshed_at=now,
                            data_key=key,
                        )
                    )
                else:
                    row.cells = cells
                    row.dirty = False
                    row.refreshed_at = now
                    row.save(update_fields=["cells", "dirty", "refreshed_at"])
            ReportContribution.objects.bulk_create(new_rows, batch_size=500)
            seen.update(ids)
        _delete_unseen(seen)
        ReportCell.objects.all().delete()
        _apply(dict(total))
        _grievances_sync()
        ReportState.objects.filter(pk=1).update(refreshed_at=now, rebuilt_at=now)
    return len(seen)


def _delete_unseen(seen: set[int]) -> None:
    stale = [
        pk
        for pk, case_id in ReportContribution.objects.values_list("pk", "case_id")
        if case_id not in seen
    ]
    for start in range(0, len(stale), 1000):
        ReportContribution.objects.filter(pk__in=stale[start : start + 1000]).delete()


def report_exported_record(
    *, actor: Any, report: str, scope: str, fmt: str, request: Any = None
) -> None:
    """Audit an export (aggregates only: which report, scope, format).
    Page views of aggregates are not audited; exports leave the system."""
    audit_record(
        actor=actor,
        action="reports.exported",
        details={"report": report, "scope": scope, "format": fmt},
        request=request,
    )
