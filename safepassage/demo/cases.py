"""Demo cases in bulk: every status, consistent timelines, one audit event.

Demo data only. To load 100,000 cases in minutes, this bypasses the case
services: rows are written with `bulk_create`, a batch of cases per
transaction, and data keys are made per batch and unit
(`keys.data_keys_create_bulk`). Encryption and blind indexes still run,
because `bulk_create` calls every field's `pre_save` as `save()` does.
Instead of the services' audit event per change, the run writes one
`demo.seeded` event with the counts, in the transaction of its last
batch. Timestamps are backdated to the planned timeline (see
`_timestamps_as_planned`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import islice

from django.db import models, transaction
from django.utils import timezone

from safepassage.accounts.models import Unit, User
from safepassage.audit.services import audit_record
from safepassage.cases.codes import case_code_generate
from safepassage.cases.models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseTransfer,
    FamilyMember,
    Person,
    PersonPhone,
    ServiceRecord,
    Task,
    TransferStatus,
)
from safepassage.geo.models import Township
from safepassage.vault import keys
from safepassage.vault.models import DataKey

from .plan import CasePlan, Staff, Townships, case_plan, units_and_statuses
from .records import NRC_STATE_PCODES
from .seed import DEMO_UNITS

DEFAULT_CASES = 300
DEFAULT_BATCH = 1000


@dataclass
class SeedCounts:
    cases: int = 0
    people: int = 0
    phones: int = 0
    family_members: int = 0
    events: int = 0
    tasks: int = 0
    transfers: int = 0

    def add(self, other: SeedCounts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class SeedResult:
    added: SeedCounts
    existing: int  # demo cases present before the run
    skipped: bool  # the demo had cases and adding more was not asked for


def demo_units() -> list[Unit]:
    """The demo units in DEMO_UNITS order. Run `seed_demo_accounts` first."""
    by_name = {u.name: u for u in Unit.objects.filter(name__in=[n for _, n, _ in DEMO_UNITS])}
    missing = [name for _, name, _ in DEMO_UNITS if name not in by_name]
    if missing:
        raise LookupError(f"Demo units missing: {', '.join(missing[:3])}…")
    return [by_name[name] for _, name, _ in DEMO_UNITS]


def _townships() -> Townships:
    """Township place codes by NRC state number, in a stable order."""
    by_region: dict[str, list[str]] = defaultdict(list)
    for pcode, region in Township.objects.order_by("pcode").values_list(
        "pcode", "district__state_id"
    ):
        by_region[region].append(pcode)
    return {
        state: [pcode for region in regions for pcode in by_region[region]]
        for state, regions in NRC_STATE_PCODES.items()
    }


@contextmanager
def _timestamps_as_planned() -> Iterator[None]:
    """Let the planned, backdated times through `auto_now`/`auto_now_add` fields.

    Those fields overwrite any value on insert, which would date every
    demo event to the seeding minute. This switches them off on the field
    objects for the duration (process-wide: only for a management command
    or a test, never in a serving process) and switches them back after.
    """
    switched: list[tuple[models.DateField[object, object], bool, bool]] = []
    for model in (Case, CaseAssignment, Person, CaseEvent, Task, CaseTransfer):
        for fld in model._meta.concrete_fields:
            if isinstance(fld, models.DateField) and (fld.auto_now or fld.auto_now_add):
                switched.append((fld, fld.auto_now, fld.auto_now_add))
                fld.auto_now = fld.auto_now_add = False
    try:
        yield
    finally:
        for fld, auto_now, auto_now_add in switched:
            fld.auto_now, fld.auto_now_add = auto_now, auto_now_add


def _unused_codes(count: int) -> list[str]:
    """`count` distinct case codes not yet in use (random, as for real cases)."""
    codes: set[str] = set()
    while len(codes) < count:
        fresh = {case_code_generate() for _ in range(count - len(codes))} - codes
        taken: set[str] = set()
        batch = list(fresh)
        for start in range(0, len(batch), 500):
            chunk = batch[start : start + 500]
            taken.update(Case.objects.filter(code__in=chunk).values_list("code", flat=True))
        codes |= fresh - taken
    return sorted(codes)


def _data_keys(plans: Sequence[CasePlan]) -> list[DataKey]:
    by_unit: dict[int, list[int]] = defaultdict(list)
    for i, plan in enumerate(plans):
        by_unit[plan.unit.pk].append(i)
    made: list[DataKey | None] = [None] * len(plans)
    for unit_id, indices in by_unit.items():
        fresh = keys.data_keys_create_bulk(
            scope=keys.scope_for_unit(unit_id), owner="cases.case", count=len(indices)
        )
        for i, data_key in zip(indices, fresh, strict=True):
            made[i] = data_key
    return [k for k in made if k is not None]


def _write_batch(plans: Sequence[CasePlan]) -> SeedCounts:
    """Insert the batch's rows. Call inside a transaction."""
    data_keys = _data_keys(plans)
    cases = [
        Case(
            code=code,
            unit=plan.unit,
            status=plan.status,
            priority=plan.priority,
            summary=plan.summary,
            data_key=data_key,
            version=len(plan.events),
            created_at=plan.opened_at,
            updated_at=plan.updated_at,
        )
        for plan, code, data_key in zip(plans, _unused_codes(len(plans)), data_keys, strict=True)
    ]
    Case.objects.bulk_create(cases)
    pairs = list(zip(plans, cases, strict=True))
    ServiceRecord.objects.bulk_create(
        ServiceRecord(case=case, data_key=case.data_key, **plan.service) for plan, case in pairs
    )
    people = [
        Person(case=case, data_key=case.data_key, updated_at=plan.opened_at, **plan.person)
        for plan, case in pairs
    ]
    Person.objects.bulk_create(people)
    phones = [
        PersonPhone(person=person, data_key=person.data_key, number=number)
        for (plan, _case), person in zip(pairs, people, strict=True)
        for number in plan.phones
    ]
    PersonPhone.objects.bulk_create(phones)
    family = [
        FamilyMember(person=person, data_key=person.data_key, **member)
        for (plan, _case), person in zip(pairs, people, strict=True)
        for member in plan.family
    ]
    FamilyMember.objects.bulk_create(family)
    events = [
        CaseEvent(
            case=case,
            data_key=case.data_key,
            kind=e.kind,
            actor=e.actor,
            from_status=e.from_status,
            to_status=e.to_status,
            body=e.body,
            created_at=e.at,
        )
        for plan, case in pairs
        for e in plan.events
    ]
    CaseEvent.objects.bulk_create(events)
    tasks = [
        Task(
            case=case,
            data_key=case.data_key,
            title=t.title,
            due_on=t.due_on,
            assignee=t.assignee,
            done_at=t.done_at,
            created_at=t.created_at,
        )
        for plan, case in pairs
        for t in plan.tasks
    ]
    Task.objects.bulk_create(tasks)
    transfers = [
        CaseTransfer(
            case=case,
            from_unit=plan.unit,
            to_unit=plan.transfer_to,
            status=TransferStatus.PENDING,
            requested_by=plan.transfer_by,
            requested_at=plan.transfer_at,
        )
        for plan, case in pairs
        if plan.transfer_to is not None and plan.transfer_at is not None
    ]
    CaseTransfer.objects.bulk_create(transfers)
    CaseAssignment.objects.bulk_create(
        CaseAssignment(case=case, user=user, assigned_at=plan.opened_at)
        for plan, case in pairs
        for user in plan.assignees
    )
    return SeedCounts(
        cases=len(cases),
        people=len(people),
        phones=len(phones),
        family_members=len(family),
        events=len(events),
        tasks=len(tasks),
        transfers=len(transfers),
    )


def demo_cases_seed(
    *,
    count: int = DEFAULT_CASES,
    seed: int = 0,
    add: bool = False,
    now: dt.datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Add `count` invented cases to the demo units (demo data only).

    Skips, adding nothing, when the demo units already hold cases, unless
    `add`. The same `seed`, `now`, staff and number of existing demo cases
    give the same cases (codes, key material and row ids excepted, which
    are random or assigned by the database). Commits batch by batch: an
    interrupted run keeps the batches already written; the summary audit
    event commits with the last batch.
    """
    if count < 0 or batch_size < 1:
        raise ValueError("count must not be negative and batch_size must be positive.")
    units = demo_units()
    existing = Case.objects.filter(unit__in=units).count()
    if count == 0 or (existing and not add):
        return SeedResult(SeedCounts(), existing, skipped=bool(existing and not add and count))
    now = now or timezone.now()
    hq = next((u for u in units if u.is_headquarters), None)
    townships = _townships()
    staff = Staff(list(User.objects.filter(unit__in=units).prefetch_related("groups")), hq)
    # Two generators, so that the batch size does not change what is drawn.
    seeded = f"safepassage-demo:{seed}:{existing}"
    rng = random.Random(seeded)  # noqa: S311 - invented data, not secrets
    placement = units_and_statuses(
        random.Random(f"{seeded}:placement"),  # noqa: S311
        units=units,
        staffed=staff.units_with_staff(),
        count=count,
    )
    total = SeedCounts()
    with _timestamps_as_planned():
        while total.cases < count:
            chosen = list(islice(placement, min(batch_size, count - total.cases)))
            plans = [
                case_plan(
                    rng,
                    unit=unit,
                    status=status,
                    staff=staff,
                    units=units,
                    townships=townships,
                    now=now,
                )
                for unit, status in chosen
            ]
            with transaction.atomic():
                total.add(_write_batch(plans))
                if total.cases >= count:
                    audit_record(
                        actor=None,
                        action="demo.seeded",
                        details={**asdict(total), "seed": seed, "batches": -(-count // batch_size)},
                    )
            if progress is not None:
                progress(total.cases, count)
    return SeedResult(total, existing, skipped=False)
