"""A case's contribution to the count cubes: a pure function of its facts.

`contribution(sources)` returns {cell: count}, where a cell is the string
"cube|period_kind|period_start|unit_id|key". It reads no database and
never sees a name: its input is what the owning apps' reporting
selectors hand over (coarse values), and its output holds bands only:
five-year age bands, states and regions, kinds of weapon, types of army
unit, weeks and months. Both a week and a month cell are written for each
fact, so that headquarters may read weeks and units months.

Cubes (and the dimensions in their key):
  flow        stage                  the day a case reached each stage
  flow_days   stage, days            days spent before reaching it (for medians)
  origin      region, category       where people came from, by category
  township    township               township of origin (headquarters only)
  who         category, stage        category by stage at defection
  age_sex     age, sex               five-year age band by sex
  rank        rank, category         rank band by category
  army_type   army_type              type of army unit left
  army_unit   army_unit              type and number of the unit left
  batch       batch                  conscription batch (year)
  weapons     kind, calibre          people who handed over that kind and calibre
  w_items     kind, calibre          pieces handed over (not ammunition): a sum
  w_rounds    calibre                rounds of ammunition handed over: a sum
  paid        purpose                money paid (minor units), per purpose and
                                     currency ("reward:MMK"): a sum
              (each sum with its contributor cubes `_pp` and `_py`, the
              people behind it: see `amounts.py`)
  received    received, region       people received, by the state/region of the
                                     receiving unit's base and of their origin
  received_tsp township              people received, by the receiving unit's
                                     base township (headquarters only)
  plans       state                  plans, by state, in the month they started
  milestones  dimension              milestones reached, per plan dimension
  followups   outcome                follow-ups, by what became of them
  grievances  kind                   grievances per unit concerned (counts
                                     only; from the grievances app's own
                                     monthly counts, not per case)
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from . import amounts as amounts_
from .amounts import Amount

UNKNOWN = "unknown"
MAX_DAYS = 365
FLOW_STAGES: tuple[str, ...] = (
    "contacted",
    "handed_over",
    "received",
    "screened",
    "pathway",
    "plan",
    "plan_completed",
)


@dataclass(frozen=True)
class Sources:
    """Everything known about one case, as the owning apps hand it over.
    `case` is a `cases.reporting.CaseFacts` (duck-typed here so that this
    module stays pure and testable with plain objects)."""

    case: Any
    service: Any = None
    items: Sequence[Any] = field(default_factory=tuple)
    plans: Sequence[Any] = field(default_factory=tuple)
    # `ledger.reporting.PaymentFacts`: purpose, currency, amount, when.
    payments: Sequence[Any] = field(default_factory=tuple)
    # The receiving unit's base township (its place code), from the
    # forces directory; "" when the unit has none recorded.
    received_township: str = ""


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _day(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


#: What a value of each kind may look like to be written in clear. Any
#: other value (free text typed where a code was expected, a name, a
#: canary) is counted as "unknown": the cubes hold codes and bands only.
CATEGORIES = frozenset({"conscript", "soldier", "police", "other"})
STAGES = frozenset({"in_training", "deployed", "other"})
SEXES = frozenset({"male", "female", "other"})
_CODE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_PCODE = re.compile(r"MMR[0-9]{6}")
_CALIBRE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .x×/-]{0,19}")


def pick(value: object, allowed: frozenset[str]) -> str:
    return value if isinstance(value, str) and value in allowed else UNKNOWN


def code(value: object) -> str:
    return value if isinstance(value, str) and _CODE.fullmatch(value) else UNKNOWN


def township_code(value: object) -> str:
    text = value.strip().upper() if isinstance(value, str) else ""
    return text if _PCODE.fullmatch(text) else UNKNOWN


def calibre_code(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return text if _CALIBRE.fullmatch(text) else UNKNOWN


def number_in(value: object, low: int, high: int) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _clean(value: object) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        return UNKNOWN
    # The key's separators may not appear in a value.
    return text.replace("|", "/").replace("=", "-")[:40]


def cell_key(**dims: object) -> str:
    return "|".join(f"{name}={_clean(value)}" for name, value in dims.items())


def parse_key(key: str) -> dict[str, str]:
    result = {}
    for part in key.split("|"):
        name, _, value = part.partition("=")
        result[name] = value
    return result


def age_band(birth_year: int | None, at: dt.date) -> str:
    if birth_year is None:
        return UNKNOWN
    age = at.year - birth_year
    if age < 10 or age > 99:
        return UNKNOWN
    low = age // 5 * 5
    return f"{low}-{low + 4}"


def region_of(township: object) -> str:
    code = township_code(township)
    return code[:6] if code != UNKNOWN else UNKNOWN


def _stage_dates(sources: Sources) -> dict[str, dt.date]:
    case = sources.case
    reached: dict[str, Any] = case.reached

    def first(*statuses: str) -> dt.date | None:
        days = [_day(reached[s]) for s in statuses if s in reached]
        return min(days) if days else None

    dates: dict[str, dt.date | None] = {
        "contacted": _day(case.opened_at),
        "handed_over": first("planning", "in_transit", "received"),
        "received": first("received"),
        "screened": first("cleared", "rejected"),
        "pathway": first("joined_force", "reintegrating"),
        "plan": min((_day(p.starts_on) for p in sources.plans), default=None),
        "plan_completed": min(
            (_day(p.closed_on) for p in sources.plans if p.state == "completed" and p.closed_on),
            default=None,
        ),
    }
    return {stage: day for stage, day in dates.items() if day is not None}


class _Builder:
    def __init__(self, unit_id: int) -> None:
        self.unit_id = unit_id
        self.cells: Counter[str] = Counter()

    def add(self, cube: str, day: dt.date | dt.datetime, key: str, count: int = 1) -> None:
        day = _day(day)
        for kind, start in (("week", week_start(day)), ("month", month_start(day))):
            self.cells[f"{cube}|{kind}|{start.isoformat()}|{self.unit_id}|{key}"] += count


def contribution(sources: Sources) -> dict[str, int]:
    """The cells one case counts in, with how much it counts in each."""
    case = sources.case
    out = _Builder(int(case.unit_id))
    opened = _day(case.opened_at)

    stages = _stage_dates(sources)
    previous: dt.date | None = None
    for stage in FLOW_STAGES:
        day = stages.get(stage)
        if day is None:
            continue
        out.add("flow", day, cell_key(stage=stage))
        if previous is not None:
            days = min(max((day - previous).days, 0), MAX_DAYS)
            out.add("flow_days", day, cell_key(stage=stage, days=days))
        previous = day

    category = pick(case.category, CATEGORIES)
    township = township_code(case.home_township)
    out.add("origin", opened, cell_key(region=region_of(township), category=category))
    out.add("township", opened, cell_key(township=township))
    out.add("who", opened, cell_key(category=category, stage=pick(case.stage, STAGES)))
    birth_year = number_in(case.birth_year, 1900, 2100)
    out.add(
        "age_sex",
        opened,
        cell_key(age=age_band(birth_year, opened), sex=pick(case.sex, SEXES)),
    )

    service = sources.service
    if service is not None:
        unit_type = code(getattr(service, "unit_type", ""))
        number = number_in(getattr(service, "unit_number", None), 1, 9999)
        rank = code(getattr(service, "rank_band", ""))
        out.add("rank", opened, cell_key(rank=rank, category=category))
        out.add("army_type", opened, cell_key(army_type=unit_type))
        if unit_type != UNKNOWN and number is not None:
            out.add("army_unit", opened, cell_key(army_unit=f"{unit_type}-{number}"))
        batch = number_in(getattr(service, "batch_year", None), 1950, 2100)
        out.add("batch", opened, cell_key(batch=batch))

    # People who handed over each kind and calibre: a case counts once per
    # pair, on the first day it handed one over.
    first_day: dict[str, dt.date] = {}
    for item in sources.items:
        key = cell_key(kind=code(item.category), calibre=calibre_code(item.calibre))
        day = _day(item.received_at)
        if key not in first_day or day < first_day[key]:
            first_day[key] = day
    for key, day in first_day.items():
        out.add("weapons", day, key)

    received = stages.get("received")
    if received is not None:
        received_at = township_code(sources.received_township)
        out.add(
            "received",
            received,
            cell_key(received=region_of(received_at), region=region_of(township)),
        )
        out.add("received_tsp", received, cell_key(township=received_at))

    out.cells.update(amounts_.amount_cells(out.unit_id, _amounts(sources)))

    for plan in sources.plans:
        out.add("plans", plan.starts_on, cell_key(state=code(plan.state)))
        for dimension, done_on in plan.milestones_done:
            out.add("milestones", done_on, cell_key(dimension=code(dimension)))
        for outcome, day in plan.followups:
            out.add("followups", day, cell_key(outcome=code(outcome)))

    return dict(out.cells)


def _amounts(sources: Sources) -> list[Amount]:
    """The sums one case adds: items and rounds handed over, money paid.
    Values out of range are left out (they are not real quantities)."""
    found: list[Amount] = []
    for item in sources.items:
        quantity = number_in(getattr(item, "quantity", None), 1, amounts_.MAX_QUANTITY)
        if quantity is None:
            continue
        calibre = calibre_code(item.calibre)
        if getattr(item, "is_ammunition", False) is True:
            dims: tuple[tuple[str, str], ...] = (("calibre", calibre),)
            found.append(Amount("w_rounds", item.received_at, dims, quantity))
        else:
            dims = (("kind", code(item.category)), ("calibre", calibre))
            found.append(Amount("w_items", item.received_at, dims, quantity))
    for payment in sources.payments:
        amount = number_in(getattr(payment, "amount_minor", None), 1, amounts_.MAX_MINOR)
        if amount is None:
            continue
        purpose = amounts_.purpose_code(payment.purpose, payment.currency)
        found.append(Amount("paid", payment.paid_at, (("purpose", purpose),), amount))
    return found


def difference(old: dict[str, int], new: dict[str, int]) -> dict[str, int]:
    """new - old, per cell, without the cells that did not change."""
    delta: Counter[str] = Counter()
    for cell, count in new.items():
        delta[cell] += count
    for cell, count in old.items():
        delta[cell] -= count
    return {cell: n for cell, n in delta.items() if n}


def split_cell(cell: str) -> tuple[str, str, dt.date, int, str]:
    cube, kind, start, unit_id, key = cell.split("|", 4)
    return cube, kind, dt.date.fromisoformat(start), int(unit_id), key


def merge(contributions: Iterable[dict[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for cells in contributions:
        total.update(cells)
    return {cell: n for cell, n in total.items() if n}
