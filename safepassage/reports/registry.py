"""The reports, as data: name, title, source cube, row and column
dimensions, whether the table has totals, which filters apply, and who
may read it. `report_export --list` prints this registry.

A column dimension of `PERIOD` spreads the table over weeks or months.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safepassage.armoury.models import Category as ItemCategory
from safepassage.cases.army_units import UNIT_TYPES, RankBand
from safepassage.cases.models import Category, Stage
from safepassage.grievances.models import GrievanceKind
from safepassage.reintegration.workflow import FollowUpState, PlanState

from .amounts import AMOUNT_CUBES
from .rollups import FLOW_STAGES, UNKNOWN

PERIOD = "period"


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str | Promise
    # Known values in display order, with their labels; values seen in
    # the data but not listed follow, labelled by `fallback`.
    values: Callable[[], list[tuple[str, str]]] = list
    ordered: bool = True


def _choices(choices: Sequence[tuple[str, Any]]) -> Callable[[], list[tuple[str, str]]]:
    return lambda: (
        [(value, str(label)) for value, label in choices] + [(UNKNOWN, str(_("Not recorded")))]
    )


FLOW_LABELS: dict[str, Promise] = {
    "contacted": _("Contacted"),
    "handed_over": _("Handed over"),
    "received": _("Received"),
    "screened": _("Screened"),
    "pathway": _("Pathway chosen"),
    "plan": _("Plan started"),
    "plan_completed": _("Plan completed"),
}

SEXES: list[tuple[str, Any]] = [
    ("male", _("Male")),
    ("female", _("Female")),
    ("other", pgettext_lazy("sex", "Other")),
]
RANK_BANDS: list[tuple[str, Any]] = list(RankBand.LABELS.items())
ARMY_TYPES: list[tuple[str, Any]] = [(t.code, t.label) for t in UNIT_TYPES]


def _age_bands() -> list[tuple[str, str]]:
    return [(f"{n}-{n + 4}", f"{n}–{n + 4}") for n in range(15, 70, 5)] + [
        (UNKNOWN, str(_("Not recorded")))
    ]


STAGE = Dimension("stage", _("Stage"), lambda: [(s, str(FLOW_LABELS[s])) for s in FLOW_STAGES])
REGION = Dimension("region", _("State or region of origin"), ordered=False)
RECEIVED = Dimension("received", _("State or region where received"), ordered=False)
RECEIVED_TOWNSHIP = Dimension("township", _("Township where received"), ordered=False)
TOWNSHIP = Dimension("township", _("Township of origin"), ordered=False)
CATEGORY = Dimension("category", _("Category"), _choices(Category.choices))
DEFECTION_STAGE = Dimension("stage", _("Stage at defection"), _choices(Stage.choices))
AGE = Dimension("age", _("Age band"), _age_bands)
SEX = Dimension("sex", _("Sex"), _choices(SEXES))
RANK = Dimension("rank", _("Rank band"), _choices(RANK_BANDS))
ARMY_TYPE = Dimension("army_type", _("Type of army unit left"), _choices(ARMY_TYPES))
ARMY_UNIT = Dimension("army_unit", _("Army unit left"), ordered=False)
BATCH = Dimension("batch", _("Conscription batch (year)"), ordered=False)
KIND = Dimension("kind", _("Kind"), _choices(ItemCategory.choices))
CALIBRE = Dimension("calibre", _("Calibre"), ordered=False)
PURPOSE_LABELS: dict[str, Promise] = {
    "reward": _("Rewards"),
    "stipend": _("Stipends"),
    "other": _("Other payments"),
}


def purpose_label(value: str) -> str:
    """`reward:MMK` -> "Rewards (MMK)"."""
    name, _sep, currency = value.partition(":")
    label = PURPOSE_LABELS.get(name)
    text = str(label) if label is not None else str(_("Not recorded"))
    return f"{text} ({currency})" if currency and currency != UNKNOWN else text


PURPOSE = Dimension("purpose", _("Paid for (currency)"), ordered=False)
PLAN_STATE = Dimension("state", _("Plan state"), _choices(PlanState.choices))
DIMENSION = Dimension("dimension", _("Plan dimension"), ordered=False)
OUTCOME = Dimension("outcome", _("Follow-up"), _choices(FollowUpState.choices))
GRIEVANCE = Dimension("kind", _("Kind of grievance"), _choices(GrievanceKind.choices))
PERIOD_DIM = Dimension(PERIOD, _("Period"))


@dataclass(frozen=True)
class Report:
    name: str
    title: str | Promise
    description: str | Promise
    cube: str
    rows: Dimension
    cols: Dimension
    totals: bool = True
    # Headquarters only: a unit's analyst is not shown it at all.
    hq_only: bool = False
    # Ranked: rows sorted by their total, largest first, at most `top`.
    top: int | None = None
    # Shown on the dashboard, as its trend over time.
    headline: bool = False
    # Its source counts by month only (weeks would show empty columns).
    months_only: bool = False
    # For a report of amounts (its cube is in `amounts.AMOUNT_CUBES`):
    # what the figures count, e.g. "rounds". Empty for counts of people.
    measure: str | Promise = ""

    @property
    def is_amount(self) -> bool:
        """A sum (items, rounds, money), suppressed by its contributors."""
        return self.cube in AMOUNT_CUBES

    @property
    def filters(self) -> frozenset[str]:
        """Region and category select rows or columns of the report's
        canonical table; they never make a new sum (which could be
        subtracted from the whole to uncover a cell)."""
        names = set()
        for dimension in (self.rows, self.cols):
            if dimension.name in ("region", "category"):
                names.add(dimension.name)
        return frozenset(names)


REPORTS: tuple[Report, ...] = (
    Report(
        "flow",
        _("The flow: from contact to a completed plan"),
        _("People reaching each stage in each period, with the median days spent before it."),
        "flow",
        STAGE,
        PERIOD_DIM,
        totals=False,
        headline=True,
    ),
    Report(
        "origin",
        _("Where people came from"),
        _("State or region of origin, by period."),
        "origin",
        REGION,
        PERIOD_DIM,
        headline=True,
    ),
    Report(
        "origin_category",
        _("Where people came from, by category"),
        _("State or region of origin by category."),
        "origin",
        REGION,
        CATEGORY,
    ),
    Report(
        "township",
        _("Township of origin"),
        _("Townships of origin, headquarters only."),
        "township",
        TOWNSHIP,
        PERIOD_DIM,
        hq_only=True,
        top=40,
    ),
    Report(
        "who",
        _("Who: category and stage at defection"),
        _("Category by stage at defection (in training or deployed)."),
        "who",
        CATEGORY,
        DEFECTION_STAGE,
    ),
    Report(
        "age_sex",
        _("Who: age band and sex"),
        _("Five-year age bands at first contact, by sex."),
        "age_sex",
        AGE,
        SEX,
    ),
    Report(
        "rank",
        _("Who: rank band"),
        _("Rank band by category, from the service record."),
        "rank",
        RANK,
        CATEGORY,
    ),
    Report(
        "depletion",
        _("Depletion: type of army unit left"),
        _("The type of army unit people left, by period."),
        "army_type",
        ARMY_TYPE,
        PERIOD_DIM,
        headline=True,
    ),
    Report(
        "army_units",
        _("Depletion: the army units most left"),
        _("Army units by type and number, ranked."),
        "army_unit",
        ARMY_UNIT,
        PERIOD_DIM,
        top=30,
    ),
    Report(
        "batch",
        _("Depletion: conscription batch"),
        _("Conscription batch (year), by period."),
        "batch",
        BATCH,
        PERIOD_DIM,
    ),
    Report(
        "weapons",
        _("Weapons and ammunition received"),
        _("People who handed over each kind and calibre."),
        "weapons",
        CALIBRE,
        KIND,
        headline=True,
    ),
    Report(
        "weapons_items",
        _("Weapons and equipment received: quantities"),
        _(
            "Pieces handed over, by kind and calibre (ammunition apart). A quantity "
            "is suppressed when fewer than k people handed it over, however large."
        ),
        "w_items",
        CALIBRE,
        KIND,
        measure=_("pieces"),
    ),
    Report(
        "ammunition",
        _("Ammunition received: rounds by calibre"),
        _(
            "Rounds of ammunition handed over, by calibre and period. Suppressed when "
            "fewer than k people handed them over."
        ),
        "w_rounds",
        CALIBRE,
        PERIOD_DIM,
        measure=_("rounds"),
    ),
    Report(
        "payments",
        _("Rewards and stipends paid against budget"),
        _(
            "Money paid, by what it paid for and by month, in whole minor units "
            "(kyat have none); an amount paid to fewer than k people is suppressed. "
            "Headquarters sees the monthly budget beside it."
        ),
        "paid",
        PURPOSE,
        PERIOD_DIM,
        months_only=True,
        measure=_("minor units of money"),
    ),
    Report(
        "received",
        _("Where people were received"),
        _(
            "People received, by the state or region of the receiving unit's base "
            "township, by period."
        ),
        "received",
        RECEIVED,
        PERIOD_DIM,
    ),
    Report(
        "received_origin",
        _("From where to where"),
        _(
            "People received: the state or region they came from by the state or "
            "region where they were received."
        ),
        "received",
        REGION,
        RECEIVED,
    ),
    Report(
        "received_township",
        _("Township where received"),
        _("People received, by the receiving unit's base township; headquarters only."),
        "received_tsp",
        RECEIVED_TOWNSHIP,
        PERIOD_DIM,
        hq_only=True,
        top=40,
    ),
    Report(
        "plans",
        _("Reintegration: plans"),
        _("Plans by state, in the period they started; lost to follow-up among them."),
        "plans",
        PLAN_STATE,
        PERIOD_DIM,
        headline=True,
    ),
    Report(
        "milestones",
        _("Reintegration: milestones reached"),
        _("Milestones reached, per plan dimension."),
        "milestones",
        DIMENSION,
        PERIOD_DIM,
    ),
    Report(
        "followups",
        _("Reintegration: follow-ups"),
        _("Follow-ups by what became of them."),
        "followups",
        OUTCOME,
        PERIOD_DIM,
    ),
    Report(
        "grievances",
        _("Grievances"),
        _("Grievances by kind, counts only."),
        "grievances",
        GRIEVANCE,
        PERIOD_DIM,
        months_only=True,
    ),
)

BY_NAME: dict[str, Report] = {report.name: report for report in REPORTS}


def report_get(name: str) -> Report | None:
    return BY_NAME.get(name) if isinstance(name, str) else None
