"""Invented identifiers and texts for demo cases.

NRC numbers use real state and township codes (so they parse and look
right) with random six-digit numbers; phone numbers use the operators'
mobile prefixes with random subscriber digits; units left are generic
formation types ("LIB", "IB") with random numbers. None of it is looked
up from, or checked against, any real register.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from functools import cache
from typing import TypeVar

from safepassage.cases.models import Category, Stage
from safepassage.cases.workflow import Status
from safepassage.language.nrc import NRCType, townships

from . import names

T = TypeVar("T")


def weighted(rng: random.Random, table: Sequence[tuple[T, int]]) -> T:
    """One value of a (value, weight) table."""
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


# --- identifiers --------------------------------------------------------------

# Types with their share: nearly everyone holds a citizen's card.
_NRC_TYPES: tuple[tuple[NRCType, int], ...] = (
    (NRCType.CITIZEN, 90),
    (NRCType.ASSOCIATE, 4),
    (NRCType.NATURALISED, 4),
)
# Regions weighted roughly by where the army recruits most (Bamar heartland).
_NRC_STATES: tuple[tuple[int, int], ...] = (
    (5, 6),
    (7, 4),
    (8, 4),
    (9, 6),
    (10, 2),
    (11, 2),
    (12, 5),
    (13, 3),
    (14, 4),
)
# Mobile prefixes after +95 9 (four operators), each followed by 7 digits.
_MOBILE_PREFIXES = ("79", "78", "77", "76", "75", "97", "96", "98", "69", "68", "67", "25", "26")


@cache
def _township_codes(state: int) -> tuple[str, ...]:
    return tuple(sorted(townships()[state]))


def nrc_state(rng: random.Random) -> int:
    return weighted(rng, _NRC_STATES)


def nrc_number(rng: random.Random, state: int) -> str:
    """A canonical NRC (``12/မရက(နိုင်)123456``) with an existing township code."""
    code = rng.choice(_township_codes(state))
    nrc_type = weighted(rng, _NRC_TYPES)
    return f"{state}/{code}({nrc_type.burmese}){rng.randrange(10**6):06d}"


# NRC state number -> MIMU state/region place codes (MIMU splits Bago and
# Shan and lists Nay Pyi Taw apart from Mandalay).
NRC_STATE_PCODES: dict[int, tuple[str, ...]] = {
    1: ("MMR001",),
    2: ("MMR002",),
    3: ("MMR003",),
    4: ("MMR004",),
    5: ("MMR005",),
    6: ("MMR006",),
    7: ("MMR007", "MMR008"),
    8: ("MMR009",),
    9: ("MMR010", "MMR018"),
    10: ("MMR011",),
    11: ("MMR012",),
    12: ("MMR013",),
    13: ("MMR014", "MMR015", "MMR016"),
    14: ("MMR017",),
}


def pick(rng: random.Random, choices: Sequence[T]) -> T | None:
    """One of `choices`, or None if there are none; draws once either way,
    so that what follows is the same with or without reference data."""
    draw = rng.random()
    return choices[int(draw * len(choices))] if choices else None


def phone_number(rng: random.Random) -> str:
    """An E.164 Myanmar mobile number in an allocated range, digits invented."""
    return f"+959{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"


# --- service ------------------------------------------------------------------

ARMY_RANKS = (
    ("တပ်သား", 40),  # private
    ("ဒုတပ်ကြပ်", 15),  # lance corporal
    ("တပ်ကြပ်", 12),  # corporal
    ("တပ်ကြပ်ကြီး", 8),  # sergeant
    ("အရာခံဗိုလ်", 3),  # warrant officer
    ("ဒုဗိုလ်", 3),  # second lieutenant
    ("ဗိုလ်", 3),  # lieutenant
    ("ဗိုလ်ကြီး", 2),  # captain
    ("ဗိုလ်မှူး", 1),  # major
)
POLICE_RANKS = (("ရဲတပ်သား", 40), ("ဒုရဲကြပ်", 15), ("ရဲကြပ်", 10), ("ဒုရဲအုပ်", 5))


# Army formations people leave, with their share and the highest number
# drawn (invented numbers; the types are the army's own).
ARMY_UNITS: tuple[tuple[tuple[str, int], int], ...] = (
    (("lib", 599), 42),
    (("ib", 299), 30),
    (("lid", 101), 5),
    (("moc", 21), 8),
    (("toc", 999), 6),
    (("rmc", 0), 3),
    (("other", 0), 6),
)
POLICE_UNITS: tuple[tuple[tuple[str, int], int], ...] = (
    (("police_bn", 40), 70),
    (("police", 0), 30),
)
_ABBREVIATIONS = {
    "lib": "LIB",
    "ib": "IB",
    "lid": "LID",
    "moc": "MOC",
    "toc": "TOC",
    "police_bn": "Police Bn",
}


def _unit_left(
    rng: random.Random, table: tuple[tuple[tuple[str, int], int], ...]
) -> tuple[dict[str, object], str]:
    """A structured unit left (``army_units`` JSON) and the text staff would type."""
    kind, highest = weighted(rng, table)
    if not highest:
        return {"type": kind}, ""
    number = rng.randint(1, highest)
    return {"type": kind, "number": number}, f"{_ABBREVIATIONS[kind]} {number}"


def service_fields(rng: random.Random, *, today: dt.date) -> dict[str, object]:
    """The fields of a ServiceRecord: category, stage, rank, unit left…

    ``unit_left`` holds the structured unit and, for conscripts, the batch,
    as the service record's form would store them.
    """
    category = rng.choices(
        (Category.CONSCRIPT, Category.SOLDIER, Category.POLICE, Category.OTHER),
        weights=(45, 35, 12, 8),
    )[0]
    fields: dict[str, object] = {"category": category}
    batch: dict[str, int] | None = None
    if category == Category.CONSCRIPT:
        number = rng.randint(1, 12)
        conscripted = dt.date(2024, 4, 1) + dt.timedelta(days=45 * (number - 1) + rng.randint(0, 6))
        conscripted = min(conscripted, today - dt.timedelta(days=30))
        batch = {"number": number, "year": conscripted.year}
        fields.update(
            stage=rng.choices((Stage.IN_TRAINING, Stage.DEPLOYED), weights=(4, 6))[0],
            rank="တပ်သား",
            conscription_batch=f"Batch {number}",
            conscription_date=conscripted,
        )
    elif category == Category.SOLDIER:
        fields.update(
            stage=rng.choices((Stage.DEPLOYED, Stage.IN_TRAINING, Stage.OTHER), weights=(8, 1, 1))[
                0
            ],
            rank=weighted(rng, ARMY_RANKS),
        )
    elif category == Category.POLICE:
        fields.update(stage=Stage.DEPLOYED, rank=weighted(rng, POLICE_RANKS))
    else:
        fields.update(stage=Stage.OTHER)
    unit_left: dict[str, object] | None = None
    if category in (Category.CONSCRIPT, Category.SOLDIER):
        unit_left, text = _unit_left(rng, ARMY_UNITS)
        if text:
            fields["unit_left_text"] = text
        if rng.random() < 0.7:
            fields["service_number"] = f"BA-{rng.randrange(10**6):06d}"
    elif category == Category.POLICE:
        unit_left, text = _unit_left(rng, POLICE_UNITS)
        if text:
            fields["unit_left_text"] = text
    if batch is not None:
        unit_left = {**(unit_left or {}), "batch": batch}
    if unit_left:
        fields["unit_left"] = unit_left
    if fields.get("stage") == Stage.DEPLOYED:
        fields["weapons_issued"] = rng.choices((True, False, None), weights=(6, 2, 2))[0]
    elif category != Category.OTHER:
        fields["weapons_issued"] = rng.choices((False, None), weights=(3, 1))[0]
    return fields


# --- person -------------------------------------------------------------------


def birth(rng: random.Random, *, today: dt.date, age: int) -> dict[str, object] | None:
    """`Person.birth`: full date, year, approximate year, or unknown."""
    precision = rng.choices(("day", "year", "approximate", None), weights=(5, 3, 2, 1))[0]
    if precision is None:
        return None
    year = today.year - age
    if precision == "day":
        born = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        return {"precision": "day", "date": born.isoformat()}
    return {"precision": precision, "year": year}


RELATIONS = ("mother", "father", "wife", "husband", "brother", "sister", "son", "daughter")
RISK_NOTES = (
    "Lives next to the battalion's married quarters; officers know the family.",
    "Husband still serving; do not call the home number.",
    "Visited twice by soldiers asking where he is.",
    "Ward administrator reports to the army; keep contact through the sister only.",
    "Receives his pay; could be pressed to call him back.",
    "Also a conscript, in another battalion.",
    "Elderly and unwell; cannot move quickly if the family must leave.",
)


def family(rng: random.Random, *, sex: str, age: int) -> list[dict[str, str | None]]:
    """Zero to three relatives; about a third carry a risk note."""
    members: list[dict[str, str | None]] = []
    relations = ["mother", "father"]
    if age >= 22:
        relations += ["husband" if sex == "female" else "wife"]
    if age >= 26:
        relations += ["son", "daughter"]
    relations += ["brother", "sister"]
    for relation in rng.sample(relations, rng.choices((0, 1, 2, 3), weights=(2, 4, 3, 2))[0]):
        relative_sex = "female" if relation in ("mother", "wife", "sister", "daughter") else "male"
        if relation in ("mother", "father"):
            name = names.elder_name(rng, sex=relative_sex).burmese
        else:
            name = names.given_name(rng, sex=relative_sex).burmese
        risk = rng.choice(RISK_NOTES) if rng.random() < 0.35 else None
        members.append({"relation": relation, "name": name, "risk_notes": risk})
    return members


# --- timeline texts -----------------------------------------------------------

REASONS: dict[str, tuple[str, ...]] = {
    Status.LOST_CONTACT: (
        "No answer on any number for ten days.",
        "Phone switched off since the route was agreed.",
        "Messages unread for two weeks; family has no news either.",
    ),
    Status.WITHDRAWN: (
        "Decided to stay for now: family under pressure at home.",
        "Changed his mind after his company was moved.",
        "Asked us to stop contacting him.",
    ),
    Status.DID_NOT_ARRIVE: (
        "Not at the meeting point; a new checkpoint blocked the road.",
        "Missed the pick-up; guide waited two hours.",
        "Turned back after the first leg, reason unknown.",
    ),
    Status.CLEARED: (
        "Interviews consistent; service details confirmed by a second source.",
        "No concerns after two interviews.",
    ),
    Status.REJECTED: (
        "Accounts inconsistent across interviews; referred to security.",
        "Could not confirm identity or service; refused to give details.",
    ),
    Status.CLOSED: (
        "Case complete.",
        "No contact for three months; closing.",
        "Handed over; nothing left to do on this case.",
    ),
}
# Notes before the person is received, and after.
NOTES_BEFORE_ARRIVAL = (
    "Spoke by phone; wants to bring his wife and child.",
    "Asked what happens to the weapon he was issued.",
    "Second contact confirms the name and battalion.",
    "Prefers messages after 21:00, when he is off duty.",
    "Family member called on his behalf; call back on his own number only.",
    "Worried about his pay being stopped before he leaves.",
)
NOTES_AFTER_ARRIVAL = (
    "Medical check done; minor foot injury, treated.",
    "Interested in joining a force after screening.",
    "Needs help with documents for his children.",
    "Asked whether his family can join him.",
    "Sleeping badly; referred for counselling.",
)
TASKS: dict[str, tuple[str, ...]] = {
    Status.CONTACTED: ("Verify identity through a second contact", "Call back to agree a plan"),
    Status.PLANNING: ("Agree a safe route", "Confirm the meeting point", "Brief the guide"),
    Status.IN_TRANSIT: ("Confirm arrival with the guide", "Prepare reception"),
    Status.RECEIVED: ("Medical check", "Book the screening interview"),
    Status.SCREENING: ("Second screening interview", "Check the service record"),
    Status.CLEARED: ("Discuss the pathway: join a force or reintegrate",),
    Status.JOINED_FORCE: ("Hand over to training",),
    Status.REINTEGRATING: ("Follow-up visit", "Help with a livelihood application"),
    Status.LOST_CONTACT: ("Try the family's number", "Ask the referring contact for news"),
    Status.WITHDRAWN: ("Check in once more in a month",),
    Status.DID_NOT_ARRIVE: ("Find out what happened on the route",),
    Status.REJECTED: ("Send the screening report to headquarters",),
    Status.CLOSED: (),
}
SUMMARIES: dict[str, str] = {
    Category.CONSCRIPT: "Conscript who wants to leave{stage}.",
    Category.SOLDIER: "Soldier who wants to leave{stage}.",
    Category.POLICE: "Police officer who wants to leave{stage}.",
    Category.OTHER: "Works for the military administration; wants to leave{stage}.",
}
STAGE_SUFFIX: dict[str, str] = {
    Stage.IN_TRAINING: " before training ends",
    Stage.DEPLOYED: " his post",
    Stage.OTHER: "",
}


def summary(category: str, stage: str, *, female: bool) -> str:
    text = SUMMARIES[category].format(stage=STAGE_SUFFIX.get(stage, ""))
    return text.replace(" his ", " her ") if female else text
