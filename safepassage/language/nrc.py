"""National Registration Card (NRC / citizenship scrutiny card) numbers.

One canonical form: ``<state>/<township>(<type>)<number>`` with ASCII
digits, the township abbreviation and the type in Burmese script, e.g.
``12/မရက(နိုင်)123456``. Blind indexes and comparisons use `NRC.canonical`.

Accepted input (after `normalize_text`, so Zawgyi is read too): state 1-14
in ASCII or Burmese digits; an optional ``/``; the township abbreviation in
Burmese (``မရက``) or in Latin, as syllables (``MaYaKa``), initials
(``MYK``) or the spellings found in the wild (``MAYAKA``, ``Hsa``/``Cha``
for ဆ, ``Ah``/``A`` for အ, ...), any case; the type in parentheses; the
six-digit number. Spaces anywhere are ignored.

Types (1982 Citizenship Law and the scrutiny cards in use; research
recorded in data/README.md):

=====  =========  =====================================================
code   Burmese    meaning; Latin spellings accepted
=====  =========  =====================================================
N      နိုင်        citizen (CSC); N, NAING
E      ဧည့်        associate citizen (ACSC); E, AE, EH, F (older apps)
P      ပြု         naturalised citizen (NCSC); P, PYU
T      သ          religious (monk); T, TH, THA, သာသနာ
Y      ယာယီ       temporary; Y, YAYI, YARYI
S      စ          under scrutiny (စဉ်းစား); S, SA
=====  =========  =====================================================

``A`` is refused: it is used both for "associate" and as a stand-in for
other types, and guessing would file a person under the wrong status.

Latin township abbreviations are resolved by reading the Latin letters as
Burmese consonants with every spelling in `CONSONANTS` and keeping the
codes that exist in the state. Each spelling has a cost (0 usual, 1 in use
but usually another consonant's); the reading of lowest total cost wins,
and a tie (``Ba`` for both ဗ and ဘ where the state has both codes) is an
error asking for the Burmese form, never a guess. Initials without vowels
(``MYK``) are accepted only when exactly one code of the state reads so. Residual risk, inherent
to Latin NRCs: a loose spelling that is exactly the usual spelling of
another existing code resolves to that code. Burmese input has no such
risk, and the canonical form is always Burmese.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from django.utils.translation import gettext_lazy as _

from safepassage.language.digits import digits_to_ascii, digits_to_myanmar
from safepassage.language.errors import NRCError
from safepassage.language.normalize import normalize_text

MAX_INPUT_LENGTH = 64
STATES = range(1, 15)


class NRCType(StrEnum):
    CITIZEN = "N"
    ASSOCIATE = "E"
    NATURALISED = "P"
    RELIGIOUS = "T"
    TEMPORARY = "Y"
    SCRUTINY = "S"

    @property
    def burmese(self) -> str:
        return _TYPE_BURMESE[self]


_TYPE_BURMESE: Mapping[NRCType, str] = {
    NRCType.CITIZEN: "နိုင်",
    NRCType.ASSOCIATE: "ဧည့်",
    NRCType.NATURALISED: "ပြု",
    NRCType.RELIGIOUS: "သ",
    NRCType.TEMPORARY: "ယာယီ",
    NRCType.SCRUTINY: "စ",
}

_TYPE_ALIASES: Mapping[str, NRCType] = {
    **{t.burmese: t for t in NRCType},
    "သာသနာ": NRCType.RELIGIOUS,
    "စဉ်းစား": NRCType.SCRUTINY,
    "N": NRCType.CITIZEN,
    "NAING": NRCType.CITIZEN,
    "E": NRCType.ASSOCIATE,
    "AE": NRCType.ASSOCIATE,
    "EH": NRCType.ASSOCIATE,
    "F": NRCType.ASSOCIATE,
    "P": NRCType.NATURALISED,
    "PYU": NRCType.NATURALISED,
    "T": NRCType.RELIGIOUS,
    "TH": NRCType.RELIGIOUS,
    "THA": NRCType.RELIGIOUS,
    "Y": NRCType.TEMPORARY,
    "YAYI": NRCType.TEMPORARY,
    "YARYI": NRCType.TEMPORARY,
    "S": NRCType.SCRUTINY,
    "SA": NRCType.SCRUTINY,
}

#: Latin readings of each consonant used in township abbreviations, with a
#: cost: 0 for usual spellings, 1 for spellings in use that are usually
#: another consonant's. The first entry is the canonical syllable.
CONSONANTS: Mapping[str, tuple[tuple[str, int], ...]] = {
    "က": (("ka", 0), ("k", 0)),
    "ခ": (("kha", 0), ("kh", 0), ("hka", 0), ("ka", 1), ("k", 1)),
    "ဂ": (("ga", 0), ("g", 0)),
    "ဃ": (("gha", 0), ("ga", 1), ("g", 1)),
    "င": (("nga", 0), ("ng", 0), ("n", 1)),
    "စ": (("sa", 0), ("s", 0), ("ca", 0), ("c", 0)),
    "ဆ": (("hsa", 0), ("hs", 0), ("cha", 0), ("ch", 0), ("sa", 1), ("s", 1), ("h", 1)),
    "ဇ": (("za", 0), ("z", 0)),
    "ည": (("nya", 0), ("ny", 0), ("nnya", 0), ("n", 1)),
    "ဏ": (("nna", 1), ("na", 1), ("n", 1)),
    "တ": (("ta", 0), ("t", 0)),
    "ထ": (("hta", 0), ("ht", 0), ("tha", 1), ("th", 1), ("ta", 1), ("t", 1), ("h", 1)),
    "ဒ": (("da", 0), ("d", 0)),
    "ဓ": (("dha", 0), ("dh", 0), ("da", 1), ("d", 1)),
    "န": (("na", 0), ("n", 0)),
    "ပ": (("pa", 0), ("p", 0)),
    "ဖ": (("pha", 0), ("ph", 0), ("pa", 1), ("p", 1), ("fa", 1), ("f", 1)),
    "ဗ": (("ba", 0), ("b", 0)),
    "ဘ": (("bha", 0), ("bh", 0), ("ba", 0), ("b", 0)),
    "မ": (("ma", 0), ("m", 0)),
    "ယ": (("ya", 0), ("y", 0)),
    "ရ": (("ya", 0), ("y", 0), ("ra", 0), ("r", 0)),
    "လ": (("la", 0), ("l", 0)),
    "ဝ": (("wa", 0), ("w", 0)),
    "သ": (("tha", 0), ("th", 0), ("t", 1), ("sa", 1), ("s", 1)),
    "ဟ": (("ha", 0), ("h", 0)),
    "အ": (("ah", 0), ("a", 0), ("aa", 0)),
    "ဥ": (("u", 0), ("oo", 0), ("ou", 0), ("o", 0)),
}
_READINGS: dict[str, list[tuple[str, int]]] = {}
for _letter, _readings in CONSONANTS.items():
    for _latin, _cost in _readings:
        _READINGS.setdefault(_latin, []).append((_letter, _cost))
_MAX_READING = max(map(len, _READINGS))

# Corrections to the source table, each checked against the source's own
# Latin spelling (see data/README.md). state -> {wrong: right}.
_CORRECTIONS: Mapping[int, Mapping[str, str]] = {12: {"တံတား": "တတထ"}}


@dataclass(frozen=True, slots=True)
class Township:
    state: int
    code: str  # Burmese abbreviation, consonants only
    names: tuple[str, ...]  # Burmese township names sharing the code


@cache
def townships() -> Mapping[int, Mapping[str, Township]]:
    """The NRC township table: state -> Burmese abbreviation -> Township."""
    raw = json.loads(
        resources.files("safepassage.language")
        .joinpath("data/nrc_township_codes_mm-nric_ISC.json")
        .read_text(encoding="utf-8")
    )
    names: dict[tuple[int, str], list[str]] = {}
    for row in raw:
        state, code, name = int(row["code"]), row["mm"], row["fullMm"]
        if code in _CORRECTIONS.get(state, {}):
            code, name = _CORRECTIONS[state][code], code
        bucket = names.setdefault((state, code), [])
        if name not in bucket:
            bucket.append(name)
    table: dict[int, dict[str, Township]] = {s: {} for s in STATES}
    for (state, code), township_names in sorted(names.items()):
        table[state][code] = Township(state, code, tuple(township_names))
    return table


@cache
def _prefixes(state: int) -> frozenset[str]:
    return frozenset(code[:i] for code in townships()[state] for i in range(len(code) + 1))


def romanise(code: str) -> str:
    """The canonical Latin spelling of a Burmese abbreviation: ``MaYaKa``."""
    return "".join(CONSONANTS[c][0][0].capitalize() for c in code)


def resolve_latin_township(state: int, latin: str) -> str:
    """The Burmese abbreviation that `latin` spells in `state`.

    Raises `NRCError` (``township`` or ``township_ambiguous``).
    """
    text = latin.lower()
    if not text.isascii() or not text.isalpha():
        raise NRCError("township", _UNKNOWN_TOWNSHIP)
    prefixes = _prefixes(state)
    # best[i]: Burmese prefix -> lowest cost of reading text[:i] as it.
    best: list[dict[str, int]] = [{} for _ in range(len(text) + 1)]
    best[0][""] = 0
    for i in range(len(text)):
        for burmese, cost in best[i].items():
            for j in range(i + 1, min(len(text), i + _MAX_READING) + 1):
                for letter, extra in _READINGS.get(text[i:j], ()):
                    candidate = burmese + letter
                    if candidate in prefixes:
                        total = cost + extra
                        if total < best[j].get(candidate, total + 1):
                            best[j][candidate] = total
    found = {b: c for b, c in best[len(text)].items() if b in townships()[state]}
    if not found:
        raise NRCError("township", _UNKNOWN_TOWNSHIP)
    # Initials (no vowel) carry too little to rank readings: any second
    # reading is a tie.
    if not re.search("[aeiou]", text):
        found = dict.fromkeys(found, 0)
    lowest = min(found.values())
    winners = [b for b, c in found.items() if c == lowest]
    if len(winners) > 1:
        raise NRCError("township_ambiguous", _AMBIGUOUS_TOWNSHIP)
    return winners[0]


@dataclass(frozen=True, slots=True)
class NRC:
    """A valid NRC number. Invariant: the township exists in the state."""

    state: int
    township: str
    type: NRCType
    number: str  # six ASCII digits

    @property
    def canonical(self) -> str:
        """``12/မရက(နိုင်)123456``: the one form stored, indexed and compared."""
        return f"{self.state}/{self.township}({self.type.burmese}){self.number}"

    @property
    def burmese(self) -> str:
        """All-Burmese display form: ``၁၂/မရက(နိုင်)၁၂၃၄၅၆``."""
        return digits_to_myanmar(self.canonical)

    @property
    def latin(self) -> str:
        """Latin display form: ``12/MaYaKa(N)123456``."""
        return f"{self.state}/{romanise(self.township)}({self.type.value}){self.number}"

    def __str__(self) -> str:
        return self.canonical


_UNKNOWN_TOWNSHIP = _("This township code does not exist in this state or region.")
_AMBIGUOUS_TOWNSHIP = _(
    "This township code can be read in more than one way; type it in Burmese script."
)
_FORMAT = _("Enter the NRC number as state/township(type)number, e.g. 12/MaYaKa(N)123456.")
_STATE = _("The state or region number must be between 1 and 14.")
_TYPE = _("Unknown NRC type. Use N, E, P, T, Y or S (နိုင်, ဧည့်, ပြု, သ, ယာယီ, စ).")
_NUMBER = _("The NRC number must end with exactly six digits.")

_BRACKETS = str.maketrans({"（": "(", "）": ")", "[": "(", "]": ")", "{": "(", "}": ")"})
_SHAPE = re.compile(r"(\d+)/?([^\d()/]+)\(([^\d()/]+)\)(\d+)")
_MYANMAR_LETTERS = re.compile("[\u1000-\u1021\u1025]+")
_ZERO_AS_WA = re.compile("\u1040(?=[\u1000-\u1021])|(?<=[\u1000-\u1021])\u1040")


def parse_nrc(text: str) -> NRC:
    """Read an NRC number typed in any accepted form; see the module docs.

    Raises `NRCError` with code ``format``, ``state``, ``township``,
    ``township_ambiguous``, ``type`` or ``number``. The error never holds
    the input.
    """
    if len(text) > MAX_INPUT_LENGTH:
        raise NRCError("format", _FORMAT)
    text = normalize_text(text)
    # The digit zero typed for the letter WA next to township letters.
    text = _ZERO_AS_WA.sub("ဝ", text)
    text = digits_to_ascii(text).translate(_BRACKETS)
    text = "".join(text.split())
    m = _SHAPE.fullmatch(text)
    if m is None:
        raise NRCError("format", _FORMAT)
    state_text, township_text, type_text, number = m.groups()
    if not state_text.isascii() or not number.isascii():
        raise NRCError("format", _FORMAT)
    state = int(state_text)
    if state not in STATES or state_text != str(state):
        raise NRCError("state", _STATE)
    if len(number) != 6:
        raise NRCError("number", _NUMBER)
    if _MYANMAR_LETTERS.fullmatch(township_text):
        if township_text not in townships()[state]:
            raise NRCError("township", _UNKNOWN_TOWNSHIP)
        township = township_text
    else:
        township = resolve_latin_township(state, township_text)
    nrc_type = _TYPE_ALIASES.get(type_text.upper())
    if nrc_type is None:
        raise NRCError("type", _TYPE)
    return NRC(state, township, nrc_type, number)
