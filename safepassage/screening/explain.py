"""The reasons behind a pair's score, as translatable phrases.

`explain` mirrors `engine.score` field by field; the texts quote no
personal data except the two spellings of a name variant (``Kyaw ↔ Kyao``),
so an explanation belongs behind the same permission as the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from safepassage.screening.dates import DateMatch
from safepassage.screening.engine import (
    NAME_WEIGHTS,
    NRC_NEAR,
    NRC_SAME,
    NRC_SAME_NUMBER,
    PHONE_DIFFERENT,
    PHONE_SAME,
    TOWNSHIP_DIFFERENT,
    TOWNSHIP_SAME,
    Frequencies,
    Level,
    _date_weight,
    _name_level,
    _name_weight,
    _nrc_weight,
    father_weight,
    phones_shared,
)
from safepassage.screening.keys import name_spellings
from safepassage.screening.records import Features, PersonRecord


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence: `text` is translatable, `weight` signed."""

    field: str
    weight: float
    text: str


_R = {
    "name_same": _("same name"),
    "name_similar": _("similar name"),
    "name_different": _("different name"),
    "name_alias": _("same name under an alias"),
    "father_same": _("same father's name"),
    "father_similar": _("similar father's name"),
    "father_different": _("different father's name"),
    "dob_exact": _("same date of birth"),
    "dob_swapped": _("date of birth with day and month swapped"),
    "dob_year_month": _("birth year and month match"),
    "dob_day": _("birth year and month match, day differs"),
    "dob_year": _("birth year matches"),
    "dob_near_day": _("same day and month of birth, years one apart"),
    "dob_near": _("birth years one apart"),
    "dob_different": _("different date of birth"),
    "dob_slip": _("dates of birth one digit apart"),
    "nrc_same": _("same NRC"),
    "nrc_number": _("same NRC number, township written differently"),
    "nrc_near": _("NRC number differs by one digit"),
    "nrc_different": _("different NRC"),
    "phone_same": _("same phone"),
    "phone_different": _("different phone"),
    "township_same": _("same township"),
    "township_different": _("different township"),
}
_NAME_VARIANT = _("name variant %(variants)s")
_FATHER_VARIANT = _("father's name variant %(variants)s")


def _variants(a: str, b: str) -> str:
    """``Kyaw ↔ Kyao`` for syllables with one key and two spellings."""
    if not a or not b:
        return ""
    sa, sb = name_spellings(a), name_spellings(b)
    if len(sa) != len(sb):
        return ""
    pairs = [
        f"{x} ↔ {y}"
        for (x, kx), (y, ky) in zip(sa, sb, strict=True)
        if kx == ky and x.casefold() != y.casefold()
    ]
    return ", ".join(dict.fromkeys(pairs))


def _main_names_shared(a: Features, b: Features) -> bool:
    """Whether the names (Latin or Burmese) of both agree, aliases aside."""
    main_a = a.names[: len(a.names) - a.aliases]
    main_b = b.names[: len(b.names) - b.aliases]
    return not set(main_a).isdisjoint(main_b)


def explain(
    a: Features,
    b: Features,
    ra: PersonRecord | None = None,
    rb: PersonRecord | None = None,
    freq: Frequencies | None = None,
) -> list[Reason]:
    """The reasons behind `score(a, b)`, strongest first.

    With the records, a shared name typed two ways is shown as the
    spellings that differ (``Kyaw ↔ Kyao``); the texts are otherwise fixed,
    translatable phrases that quote no personal data.
    """
    reasons: list[Reason] = []
    level, _r = _name_level(a.names, b.names)
    if level:
        key = {Level.SAME: "name_same", Level.DIFFERENT: "name_different"}.get(
            level, "name_similar"
        )
        if level == Level.SAME and not _main_names_shared(a, b):
            key = "name_alias"
        text = str(_R[key])
        if key == "name_same" and ra is not None and rb is not None:
            variants = _variants(ra.name, rb.name) or _variants(ra.name_my, rb.name_my)
            if variants:
                text = str(_NAME_VARIANT) % {"variants": variants}
        if freq is None:
            weight = _name_weight(a.names, b.names, NAME_WEIGHTS, None)
        else:
            place = a.township if a.township == b.township else ""
            weight = _name_weight(a.names, b.names, NAME_WEIGHTS, freq.names, freq.places, place)
        reasons.append(Reason("name", weight, text))
    if a.father and b.father:
        level, _r = _name_level((a.father,), (b.father,))
        key = {Level.SAME: "father_same", Level.DIFFERENT: "father_different"}.get(
            level, "father_similar"
        )
        text = str(_R[key])
        if level == Level.SAME and ra is not None and rb is not None:
            variants = _variants(ra.father_name, rb.father_name)
            if variants:
                text = str(_FATHER_VARIANT) % {"variants": variants}
        weight = father_weight(a, b, freq)
        reasons.append(Reason("father_name", weight, text))
    weight, match = _date_weight(a.dob, b.dob)
    if match is not None:
        key = {
            DateMatch.EXACT: "dob_exact",
            DateMatch.SWAPPED: "dob_swapped",
            DateMatch.YEAR_MONTH: "dob_year_month" if weight > 0 else "dob_day",
            DateMatch.YEAR: "dob_year",
            DateMatch.YEAR_NEAR_DAY: "dob_near_day",
            DateMatch.YEAR_NEAR: "dob_near",
            DateMatch.SLIP: "dob_slip",
            DateMatch.DIFFERENT: "dob_different",
        }[match]
        reasons.append(Reason("date_of_birth", weight, str(_R[key])))
    weight = _nrc_weight(a, b)
    if weight:
        key = {
            NRC_SAME: "nrc_same",
            NRC_SAME_NUMBER: "nrc_number",
            NRC_NEAR: "nrc_near",
        }.get(weight, "nrc_different")
        reasons.append(Reason("nrc", weight, str(_R[key])))
    if a.phone and b.phone:
        same = phones_shared(a, b)
        reasons.append(
            Reason(
                "phone",
                PHONE_SAME if same else PHONE_DIFFERENT,
                str(_R["phone_same" if same else "phone_different"]),
            )
        )
    if a.township and b.township:
        same = a.township == b.township
        reasons.append(
            Reason(
                "township",
                TOWNSHIP_SAME if same else TOWNSHIP_DIFFERENT,
                str(_R["township_same" if same else "township_different"]),
            )
        )
    reasons.sort(key=lambda r: -abs(r.weight))
    return reasons


def explanation_text(reasons: Iterable[Reason]) -> str:
    """``same NRC; name variant Kyaw ↔ Kyao; birth year matches``."""
    return "; ".join(r.text for r in reasons)
