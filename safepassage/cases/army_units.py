"""What a person left, as structured values: the army unit, the batch, the rank.

The one home of the known unit types and ranks. The service record keeps
them encrypted (``ServiceRecord.unit_left``, a JSON value such as
``{"type": "lib", "number": 345, "batch": {"number": 12, "year": 2024}}``;
``ServiceRecord.rank`` holds the rank's Burmese term); reports read only
the coarse values (``cases.selectors.service_facts_for_reporting``).

``unit_left_value`` validates what a form or a seeder offers and answers
the JSON to store, or raises ``ValidationError`` with a message staff can
act on. ``rank_band`` maps a rank, as typed or chosen, to private, NCO or
officer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safepassage.language import normalize_text
from safepassage.language.digits import digits_to_ascii

UNIT_NUMBER_MAX = 9999
BATCH_NUMBER_MAX = 999
# The first conscripts under a service law were called long before the
# current one; a year before this is a typing error.
BATCH_YEAR_MIN = 1950


@dataclass(frozen=True)
class UnitType:
    code: str
    label: Promise  # English, translated through gettext
    abbreviation: str  # as staff write it in English
    abbreviation_my: str  # as the army writes it in Burmese
    numbered: bool  # whether a number is required


UNIT_TYPES: tuple[UnitType, ...] = (
    UnitType("lib", _("Light infantry battalion"), "LIB", "ခမရ", numbered=True),
    UnitType("ib", _("Infantry battalion"), "IB", "ခလရ", numbered=True),
    UnitType("lid", _("Light infantry division"), "LID", "တပ်မ", numbered=True),
    UnitType("moc", _("Military operations command"), "MOC", "စကခ", numbered=True),
    UnitType("toc", _("Tactical operations command"), "TOC", "နည်းဗျူဟာ", numbered=True),
    UnitType("rmc", _("Regional military command"), "RMC", "တိုင်း", numbered=False),
    UnitType("police_bn", _("Police battalion"), "Police Bn", "ရဲတပ်ရင်း", numbered=True),
    UnitType("police", _("Other police unit"), "Police", "ရဲ", numbered=False),
    UnitType("other", _("Other unit"), "Other", "အခြား", numbered=False),
)
UNIT_TYPE_BY_CODE: dict[str, UnitType] = {t.code: t for t in UNIT_TYPES}


class RankBand:
    PRIVATE = "private"
    NCO = "nco"
    OFFICER = "officer"
    LABELS: dict[str, Promise] = {
        PRIVATE: _("Private or constable"),
        NCO: _("Non-commissioned officer"),
        OFFICER: _("Officer"),
    }


@dataclass(frozen=True)
class Rank:
    code: str
    term: str  # the Burmese term, as stored in ServiceRecord.rank
    english: str  # the English name, recognised when typed
    label: Promise
    force: str  # "army" or "police"
    band: str


RANKS: tuple[Rank, ...] = (
    Rank("pte", "တပ်သား", "Private", _("Private"), "army", RankBand.PRIVATE),
    Rank("lcpl", "ဒုတပ်ကြပ်", "Lance corporal", _("Lance corporal"), "army", RankBand.NCO),
    Rank("cpl", "တပ်ကြပ်", "Corporal", _("Corporal"), "army", RankBand.NCO),
    Rank("sgt", "တပ်ကြပ်ကြီး", "Sergeant", _("Sergeant"), "army", RankBand.NCO),
    Rank("wo", "အရာခံဗိုလ်", "Warrant officer", _("Warrant officer"), "army", RankBand.NCO),
    Rank("2lt", "ဒုဗိုလ်", "Second lieutenant", _("Second lieutenant"), "army", RankBand.OFFICER),
    Rank("lt", "ဗိုလ်", "Lieutenant", _("Lieutenant"), "army", RankBand.OFFICER),
    Rank("capt", "ဗိုလ်ကြီး", "Captain", _("Captain"), "army", RankBand.OFFICER),
    Rank("maj", "ဗိုလ်မှူး", "Major", _("Major"), "army", RankBand.OFFICER),
    Rank(
        "ltcol", "ဒုဗိုလ်မှူးကြီး", "Lieutenant colonel", _("Lieutenant colonel"), "army", RankBand.OFFICER
    ),
    Rank("col", "ဗိုလ်မှူးကြီး", "Colonel", _("Colonel"), "army", RankBand.OFFICER),
    Rank("pc", "ရဲတပ်သား", "Police constable", _("Police constable"), "police", RankBand.PRIVATE),
    Rank(
        "plcpl",
        "ဒုရဲကြပ်",
        "Police lance corporal",
        _("Police lance corporal"),
        "police",
        RankBand.NCO,
    ),
    Rank("pcpl", "ရဲကြပ်", "Police corporal", _("Police corporal"), "police", RankBand.NCO),
    Rank("psgt", "ရဲကြပ်ကြီး", "Police sergeant", _("Police sergeant"), "police", RankBand.NCO),
    Rank(
        "pwo",
        "ရဲအရာခံ",
        "Police warrant officer",
        _("Police warrant officer"),
        "police",
        RankBand.NCO,
    ),
    Rank(
        "psi", "ဒုရဲအုပ်", "Police sub-inspector", _("Police sub-inspector"), "police", RankBand.OFFICER
    ),
    Rank("pi", "ရဲအုပ်", "Police inspector", _("Police inspector"), "police", RankBand.OFFICER),
    Rank("pmaj", "ရဲမှူး", "Police major", _("Police major"), "police", RankBand.OFFICER),
)
RANK_BY_CODE: dict[str, Rank] = {r.code: r for r in RANKS}
_RANK_BY_TEXT: dict[str, Rank] = {
    **{r.term: r for r in RANKS},
    **{r.code.casefold(): r for r in RANKS},
    **{r.english.casefold(): r for r in RANKS},
}


def rank_for_text(text: str | None) -> Rank | None:
    """The known rank a stored or typed text names (Burmese term, code or
    English name, any case; Zawgyi converted), else None."""
    if not text:
        return None
    cleaned = normalize_text(text).strip()
    return _RANK_BY_TEXT.get(cleaned) or _RANK_BY_TEXT.get(" ".join(cleaned.casefold().split()))


def rank_band(text: str | None) -> str | None:
    """Private, NCO or officer for a rank text; None when unknown."""
    rank = rank_for_text(text)
    return rank.band if rank else None


def _whole_number(raw: Any, *, what: str, high: int, low: int = 1) -> int | None:
    """A number typed in Latin or Burmese digits, within low..high, or None when blank."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValidationError(gettext("%(what)s must be a whole number.") % {"what": what})
    if isinstance(raw, int):
        number = raw
    else:
        text = digits_to_ascii(str(raw)).strip()
        if not text:
            return None
        if not text.isascii() or not text.isdigit() or len(text) > 6:
            raise ValidationError(gettext("%(what)s must be a whole number.") % {"what": what})
        number = int(text)
    if not low <= number <= high:
        raise ValidationError(
            gettext("%(what)s must be between %(low)d and %(high)d.")
            % {"what": what, "low": low, "high": high}
        )
    return number


def unit_left_value(
    *,
    unit_type: str | None,
    unit_number: Any = None,
    batch_number: Any = None,
    batch_year: Any = None,
    today: dt.date | None = None,
) -> dict[str, Any] | None:
    """The JSON to store in ``ServiceRecord.unit_left``; None when all is blank.

    Raises ``ValidationError`` (a dict of field -> message) for an unknown
    unit type, a number out of 1..9999, a number missing for a numbered
    type or given without a type, or a batch out of range.
    """
    errors: dict[str, str] = {}
    value: dict[str, Any] = {}
    unit_type = (unit_type or "").strip()
    number: int | None = None
    try:
        number = _whole_number(unit_number, what=gettext("The unit's number"), high=UNIT_NUMBER_MAX)
    except ValidationError as exc:
        errors["unit_number"] = exc.messages[0]
    if unit_type:
        known = UNIT_TYPE_BY_CODE.get(unit_type)
        if known is None:
            errors["unit_type"] = gettext("Choose a unit type from the list.")
        else:
            value["type"] = known.code
            if number is not None:
                value["number"] = number
            elif known.numbered and "unit_number" not in errors:
                errors["unit_number"] = gettext("Give the number of the %(type)s.") % {
                    "type": str(known.label).lower()
                }
    elif number is not None:
        errors["unit_type"] = gettext("Choose the type of unit this number belongs to.")
    batch: dict[str, int] = {}
    try:
        got = _whole_number(batch_number, what=gettext("The batch number"), high=BATCH_NUMBER_MAX)
        if got is not None:
            batch["number"] = got
    except ValidationError as exc:
        errors["batch_number"] = exc.messages[0]
    this_year = (today or timezone.localdate()).year
    try:
        got = _whole_number(
            batch_year, what=gettext("The batch year"), low=BATCH_YEAR_MIN, high=this_year
        )
        if got is not None:
            batch["year"] = got
    except ValidationError as exc:
        errors["batch_year"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    if batch:
        value["batch"] = batch
    return value or None


def describe_unit_left(value: Any) -> str:
    """The stored JSON as staff read it: "LIB 345 · batch 12 (2024)"."""
    if not isinstance(value, dict):
        return ""
    parts: list[str] = []
    known = UNIT_TYPE_BY_CODE.get(str(value.get("type", "")))
    if known is not None:
        number = value.get("number")
        parts.append(f"{known.abbreviation} {number}" if number is not None else str(known.label))
    batch = value.get("batch")
    if isinstance(batch, dict) and batch:
        if "number" in batch and "year" in batch:
            parts.append(
                gettext("batch %(number)d (%(year)d)")
                % {"number": batch["number"], "year": batch["year"]}
            )
        elif "number" in batch:
            parts.append(gettext("batch %(number)d") % {"number": batch["number"]})
        else:
            parts.append(gettext("batch of %(year)d") % {"year": batch["year"]})
    return " · ".join(parts)
