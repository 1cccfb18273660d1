"""What each demo case will hold, drawn from a seeded random generator.

Planning touches no database row and no key: the same seed, the same
staff and the same `now` give the same plans, so demo data is
reproducible. Status paths are walked along `workflow.TRANSITIONS`, so
every timeline is one the real services could have written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from safepassage.accounts.models import Unit, User
from safepassage.accounts.roles import Role
from safepassage.cases.models import Category, Priority
from safepassage.cases.workflow import TRANSFERABLE, Status, move_for, moves_from

from . import names, records

# Share of each status among cases beyond the first round, which shows
# every status in every unit that has demo logins.
STATUS_WEIGHTS: dict[Status, int] = {
    Status.CONTACTED: 10,
    Status.PLANNING: 8,
    Status.IN_TRANSIT: 3,
    Status.RECEIVED: 4,
    Status.SCREENING: 6,
    Status.CLEARED: 4,
    Status.REJECTED: 2,
    Status.JOINED_FORCE: 8,
    Status.REINTEGRATING: 8,
    Status.LOST_CONTACT: 8,
    Status.WITHDRAWN: 4,
    Status.DID_NOT_ARRIVE: 3,
    Status.CLOSED: 20,
}
# Units with demo logins get this many times the cases of the others.
STAFFED_UNIT_WEIGHT = 4
PENDING_TRANSFER_SHARE = 0.08
# NRC state number -> township place codes in it (empty without geo data).
Townships = Mapping[int, Sequence[str]]
MAX_PATH = 9
# Cases opened over the last year, as the reports' monthly charts show it.
MAX_AGE_DAYS = 365
# Cases still being arranged are recent.
IN_FLIGHT = frozenset({Status.CONTACTED, Status.PLANNING, Status.IN_TRANSIT})


@cache
def status_paths() -> dict[Status, tuple[tuple[Status, ...], ...]]:
    """Every path from CONTACTED along TRANSITIONS using each move at most once."""
    found: dict[Status, list[tuple[Status, ...]]] = defaultdict(list)

    def walk(path: tuple[Status, ...], used: frozenset[tuple[Status, Status]]) -> None:
        found[path[-1]].append(path)
        if len(path) >= MAX_PATH:
            return
        for move in moves_from(path[-1]):
            if (move.source, move.target) not in used:
                walk((*path, move.target), used | {(move.source, move.target)})

    walk((Status.CONTACTED,), frozenset())
    return {status: tuple(sorted(paths, key=len)) for status, paths in found.items()}


def _path_to(rng: random.Random, status: Status) -> tuple[Status, ...]:
    """Short paths usually; a detour (contact lost and resumed…) sometimes."""
    paths = status_paths()[status]
    shortest = len(paths[0])
    weights = [0.15 ** (len(p) - shortest) for p in paths]
    return rng.choices(paths, weights=weights)[0]


class Staff:
    """Who may act, per unit and role; HQ staff stand in where a unit has none."""

    def __init__(self, users: Sequence[User], hq: Unit | None) -> None:
        self._by_unit: dict[int, list[tuple[User, frozenset[str]]]] = defaultdict(list)
        for user in sorted(users, key=lambda u: u.username):
            roles = frozenset(g.name for g in user.groups.all())
            self._by_unit[user.unit_id].append((user, roles))
        self._hq_id = hq.pk if hq is not None else None

    def units_with_staff(self) -> set[int]:
        return {unit_id for unit_id in self._by_unit if unit_id != self._hq_id}

    def pick(self, rng: random.Random, unit_id: int, roles: frozenset[str]) -> User | None:
        for where in (unit_id, self._hq_id):
            holders = [u for u, held in self._by_unit.get(where or 0, ()) if held & roles]
            if holders:
                return rng.choice(holders)
        return None


@dataclass
class Event:
    at: dt.datetime
    kind: str
    actor: User | None
    from_status: str = ""
    to_status: str = ""
    body: str = ""


@dataclass
class TaskPlan:
    title: str
    created_at: dt.datetime
    due_on: dt.date | None
    assignee: User | None
    done_at: dt.datetime | None


@dataclass
class CasePlan:
    unit: Unit
    status: Status
    priority: int
    summary: str
    opened_at: dt.datetime
    person: dict[str, object]
    phones: list[str]
    family: list[dict[str, str | None]]
    service: dict[str, object]
    events: list[Event]
    tasks: list[TaskPlan]
    assignees: list[User]
    transfer_to: Unit | None = None
    transfer_by: User | None = None
    transfer_at: dt.datetime | None = None
    data_key: object = field(default=None, repr=False)

    @property
    def updated_at(self) -> dt.datetime:
        return max(e.at for e in self.events)


def units_and_statuses(
    rng: random.Random, *, units: Sequence[Unit], staffed: set[int], count: int
) -> Iterator[tuple[Unit, Status]]:
    """Where each case goes and which status it ends in.

    The first cases give every status to every staffed unit, so a
    newcomer signed in to any demo unit sees each status at least once;
    the rest follow STATUS_WEIGHTS over all units.
    """
    first_round = [
        (unit, status) for unit in units if unit.pk in staffed for status in STATUS_WEIGHTS
    ]
    weights = [STAFFED_UNIT_WEIGHT if u.pk in staffed else 1 for u in units]
    statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    for i in range(count):
        if i < len(first_round):
            yield first_round[i]
        else:
            unit = rng.choices(units, weights=weights)[0]
            yield unit, rng.choices(statuses, weights=status_weights)[0]


def _times(rng: random.Random, start: dt.datetime, end: dt.datetime, n: int) -> list[dt.datetime]:
    span = (end - start).total_seconds()
    return [start + dt.timedelta(seconds=s) for s in sorted(rng.uniform(0, span) for _ in range(n))]


def _person(
    rng: random.Random, category: str, *, today: dt.date, townships: Townships
) -> tuple[dict[str, object], list[str], list[dict[str, str | None]], str]:
    female_shares: dict[str, float] = {Category.POLICE: 0.2, Category.OTHER: 0.3}
    female_share = female_shares.get(category, 0.03)
    sex = "female" if rng.random() < female_share else "male"
    ages: dict[str, tuple[int, int]] = {Category.CONSCRIPT: (18, 35), Category.SOLDIER: (19, 48)}
    low, high = ages.get(category, (20, 50))
    age = rng.randint(low, high)
    given = names.given_name(rng, sex=sex)
    person: dict[str, object] = {
        "honorific": names.honorific_for(rng, sex=sex, age=age)[0],
        "name_my": given.burmese,
        "name_latin": given.latin,
        "aliases": names.aliases(rng, given) or None,
        "sex": sex,
        "birth": records.birth(rng, today=today, age=age),
        "father_name": names.elder_name(rng, sex="male").burmese if rng.random() < 0.85 else None,
    }
    # Usually from the state or region of the NRC; a pcode if geo is loaded.
    state = records.nrc_state(rng)
    person["nrc"] = records.nrc_number(rng, state) if rng.random() < 0.75 else None
    home = records.pick(rng, townships.get(state, ())) if rng.random() < 0.85 else None
    person["home_township"] = home
    phones = [records.phone_number(rng) for _ in range(rng.choices((0, 1, 2), (1, 7, 2))[0])]
    family = records.family(rng, sex=sex, age=age)
    for member in family:
        member["township"] = home if rng.random() < 0.7 else None
    return person, phones, family, sex


def case_plan(
    rng: random.Random,
    *,
    unit: Unit,
    status: Status,
    staff: Staff,
    units: Sequence[Unit],
    townships: Townships,
    now: dt.datetime,
) -> CasePlan:
    path = _path_to(rng, status)
    age_days = min(MAX_AGE_DAYS, rng.randint(1, 3) + sum(rng.randint(1, 30) for _ in path))
    if status not in IN_FLIGHT:
        # Settled cases were opened any time over the year, so that monthly
        # reports show a flow rather than one recent wave.
        age_days = rng.randint(age_days, MAX_AGE_DAYS)
    opened_at = now - dt.timedelta(days=age_days, minutes=rng.randint(0, 1439))
    service = records.service_fields(rng, today=now.date())
    person, phones, family, sex = _person(
        rng, str(service["category"]), today=now.date(), townships=townships
    )
    handling = frozenset({Role.UNIT_HANDLER, Role.INTAKE_OPERATOR})
    events = [
        Event(opened_at, "opened", staff.pick(rng, unit.pk, handling), to_status=Status.CONTACTED)
    ]
    step_times = _times(rng, opened_at, now - dt.timedelta(hours=1), len(path) - 1)
    tasks: list[TaskPlan] = []
    for source, target, at in zip(path, path[1:], step_times, strict=False):
        move = move_for(source, target)
        if move is None:  # paths are walked along the table
            raise RuntimeError(f"No move from {source} to {target}.")
        actor = staff.pick(rng, unit.pk, frozenset(move.roles))
        reason = rng.choice(records.REASONS[target]) if move.needs_reason else ""
        events.append(Event(at, "status", actor, source, target, reason))
        if records.TASKS[source] and rng.random() < 0.5:
            # A task of the previous step, done when the case moved on.
            created = events[-2].at
            due = (created + (at - created) / 2).date()
            tasks.append(TaskPlan(rng.choice(records.TASKS[source]), created, due, actor, at))
    received_at = next((e.at for e in events if e.to_status == Status.RECEIVED), None)
    for at in _times(rng, opened_at, now, rng.choices((0, 1, 2, 3), (3, 4, 2, 1))[0]):
        arrived = received_at is not None and at > received_at
        body = rng.choice(records.NOTES_AFTER_ARRIVAL if arrived else records.NOTES_BEFORE_ARRIVAL)
        events.append(
            Event(at, "note", staff.pick(rng, unit.pk, frozenset(Role.values)), body=body)
        )
    entered = max(e.at for e in events if e.kind in ("opened", "status"))
    assignees = [u for u in (staff.pick(rng, unit.pk, frozenset({Role.UNIT_HANDLER})),) if u]
    if status in (Status.SCREENING, Status.CLEARED, Status.REINTEGRATING):
        caseworker = staff.pick(rng, unit.pk, frozenset({Role.CASEWORKER}))
        if caseworker is not None and caseworker not in assignees:
            assignees.append(caseworker)
    titles = records.TASKS[status]
    for title in rng.sample(titles, min(len(titles), rng.choice((0, 1, 1, 2)))):
        # Due dates around today: about a third are overdue.
        due = now.date() + dt.timedelta(days=rng.randint(-14, 24))
        tasks.append(TaskPlan(title, entered, due, rng.choice([*assignees, None]), None))
    plan = CasePlan(
        unit=unit,
        status=status,
        priority=rng.choices(list(Priority.values), weights=(2, 10, 3, 1))[0],
        summary=records.summary(
            str(service["category"]), str(service.get("stage", "")), female=sex == "female"
        ),
        opened_at=opened_at,
        person=person,
        phones=phones,
        family=family,
        service=service,
        events=events,
        tasks=tasks,
        assignees=assignees,
    )
    if status in TRANSFERABLE and rng.random() < PENDING_TRANSFER_SHARE:
        others = [u for u in units if u.pk != unit.pk and not u.is_headquarters]
        plan.transfer_to = rng.choice(others)
        plan.transfer_by = staff.pick(rng, unit.pk, handling)
        plan.transfer_at = entered + (now - entered) * rng.uniform(0.1, 0.9)
        events.append(Event(plan.transfer_at, "transfer_requested", plan.transfer_by))
    return plan
