"""Plain person records in, comparable features out.

`PersonRecord` is what callers hand the engine: strings as typed, any of
them empty. `features_from_record` reads each field once into `Features`
(name keys, partial date, NRC key, phone key, township place code) and
collects per-field warnings instead of raising. No database, no vault, no
ORM: the product decrypts its cases into `PersonRecord`s and the batch
command reads them from a CSV.

Warnings are codes (``field:code``), never the value: a report file can
name the row and the problem without repeating personal data.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from safepassage.geo.search import IndexedTownship, TownshipIndex
from safepassage.language import InvalidInputError, digits_to_ascii, normalize_text, parse_nrc
from safepassage.screening.dates import PartialDate, parse_birth_date
from safepassage.screening.keys import Key, key_text, name_key

TOWNSHIP_MIN_SCORE = 90.0

# ---------------------------------------------------------- placeholders ----

#: What spreadsheets write for "nothing here", compared folded, without
#: surrounding dots and spaces. Read as an empty cell, without a warning.
PLACEHOLDERS = frozenset(
    {
        *("-", "--", "---", "_", "?", "??", "???", "x", "xx", "xxx", "0", "00", "000"),
        *("n/a", "n.a", "n.a.", "na", "#n/a", "n/k", "nk", "nil", "none", "null", "nan"),
        *("no", "nothing", "unknown", "unk", "not known", "not available", "tbd"),
        *("မရှိ", "မရှိပါ", "မသိ", "မသိပါ", "မသိရ"),
    }
)
_PLACEHOLDER_LONGEST = max(map(len, PLACEHOLDERS))
#: What a placeholder can start with, as typed (before stripping and
#: folding): anything else is no placeholder, decided without folding.
_PLACEHOLDER_FIRST = frozenset({c for p in PLACEHOLDERS for c in (p[0], p[0].upper())} | {"."})


def placeholder(text: str) -> bool:
    """Whether `text` says the cell is empty ("N/A", "-", "nil", "မရှိ" in
    Unicode or Zawgyi, a lone "0")."""
    first = text[:1]
    if first not in _PLACEHOLDER_FIRST and not first.isspace():
        return False  # most cells: a name, a date, a number
    folded = text.strip().strip(".").strip().casefold()
    if len(folded) > _PLACEHOLDER_LONGEST + 2:
        return False
    if folded in PLACEHOLDERS:
        return True
    # Every Burmese placeholder starts with မရ or မသ, in either encoding
    # (Zawgyi reorders only ေ and the medial ra, which none of them holds):
    # the detector is asked about those only, not about every name in မ.
    return folded[:1] == "မ" and folded[1:2] in "ရသ" and normalize_text(folded) in PLACEHOLDERS


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One person as registered somewhere; every field may be empty."""

    id: str
    name: str = ""
    name_my: str = ""
    father_name: str = ""
    date_of_birth: str = ""
    nrc: str = ""
    phone: str = ""
    township: str = ""
    #: Other names (aliases, noms de guerre) and phones of the same person:
    #: the product's people have them; the batch columns do not.
    aliases: tuple[str, ...] = ()
    other_phones: tuple[str, ...] = ()


#: Aliases and other phones read per record, at most.
MAX_ALIASES = 5
MAX_OTHER_PHONES = 4


@dataclass(slots=True)
class Features:
    """What the matcher compares. Built by `features_from_record`."""

    id: str
    names: tuple[str, ...]  # distinct key texts of the name, both scripts
    father: str  # key text of the father's name, "" if unknown
    dob: PartialDate | None
    nrc: str  # "state/township/number"; "" if unknown or unreadable
    nrc_number: str  # "state:number", kept when the township is unreadable
    phone: str  # national significant number, digits only
    township: str  # MIMU place code
    warnings: tuple[str, ...] = field(default=())
    other_phones: tuple[str, ...] = field(default=())  # keys, none equal to `phone`
    #: How many of `names`, at the end, are aliases (blocked on only with a
    #: father, a date or a place: `engine.block_keys`).
    aliases: int = 0


# ------------------------------------------------------------------ NRC ----

_NRC_SHAPE = re.compile(r"(\d{1,2})/?([^\d()/]+)\(([^\d()/]*)\)(\d{6})")
#: Latin NRCs without the brackets around the type: separators or none.
_NRC_LOOSE = re.compile(
    r"(\d{1,2})[^\dA-Za-z]*([A-Za-z]+?)[^\dA-Za-z]*(naing|n|e|p)?[^\dA-Za-z]*(\d{6})", re.I
)
#: Burmese NRCs without the brackets: ၁/ဆလန၃၉၁၆၀၃, ၈/မတန(နိုင်)... typed loose.
_NRC_LOOSE_MY = re.compile(r"(\d{1,2})/?([\u1000-\u109f]+)(\d{6})")
_LEADING_LETTERS = re.compile(r"[\u1000-\u1021\u1023-\u102a\u103f]+")
#: Any text starting with a state and ending in six digits: the number alone.
_NRC_NUMBER = re.compile(r"(\d{1,2})\D.*?(\d{6})")
_NRC_BRACKETS = str.maketrans({"（": "(", "）": ")", "[": "(", "]": ")", "{": "(", "}": ")"})
_ODD_BRACKET = re.compile("[（）\\[\\]{}]")  # translate looks up every character


@lru_cache(maxsize=16384)
def _nrc_township(state: int, township: str) -> str:
    """Canonical Burmese township code, "" when it cannot be read."""
    try:
        return parse_nrc(f"{state}/{township}(N)000000").township
    except InvalidInputError:
        return ""


def nrc_keys(text: str) -> tuple[str, str, str]:
    """(full key, state:number key, warning code) of a typed NRC number."""
    if not text.strip() or placeholder(text):
        return "", "", ""
    # Township letters are the same code points in Zawgyi and Unicode,
    # and the type in brackets is not compared: no conversion needed.
    plain = digits_to_ascii(text[:64])
    if _ODD_BRACKET.search(plain):
        plain = plain.translate(_NRC_BRACKETS)
    plain = "".join(plain.split())
    m = _NRC_SHAPE.fullmatch(plain)
    letters: tuple[str, ...]
    if m is not None:
        state_text, letters, number = m.group(1), (m.group(2),), m.group(4)
    else:
        loose = _NRC_LOOSE.fullmatch(plain)
        burmese = _NRC_LOOSE_MY.fullmatch(plain) if loose is None else None
        if loose is not None:
            # 12-ThaKaTa-N-123456, 12/ThaKaTa/N/123456, 12 ThaKaTa N 123456: the
            # type letter is told from the township by trying both readings.
            state_text, township, kind, number = loose.groups()
            letters = (township, township + kind) if kind else (township,)
        elif burmese is not None:
            # ၁/ဆလန၃၉၁၆၀၃: consonants of the township, then (maybe) the type.
            state_text, township, number = burmese.groups()
            run = _LEADING_LETTERS.match(township)
            run_text = run.group() if run else ""
            letters = tuple(run_text[:k] for k in range(len(run_text), 1, -1))
        else:
            digits = re.sub(r"\D", "", plain)
            if len(digits) < 6:
                return "", "", "nrc:unreadable"
            number_only = _NRC_NUMBER.fullmatch(plain)
            if number_only is not None and 1 <= int(number_only.group(1)) <= 14:
                return "", f"{int(number_only.group(1))}:{number_only.group(2)}", "nrc:format"
            return "", "", "nrc:format"
    state = int(state_text)
    if not 1 <= state <= 14:
        return "", "", "nrc:state"
    number_key = f"{state}:{number}"
    township = next(filter(None, (_nrc_township(state, t) for t in letters)), "")
    if not township:
        return "", number_key, "nrc:township"
    return f"{state}/{township}/{number}", number_key, ""


# ---------------------------------------------------------------- phone ----

_NOT_DIGIT = re.compile(r"\D")
#: Between two numbers in one cell: "09… / 09…", "09…, 09…", "09… or 09…".
_PHONE_SEPARATORS = re.compile(r"\s*(?:[/,;&|၊]|\bor\b|\band\b)\s*", re.I)


def phone_key(text: str) -> tuple[str, str]:
    """(national number, warning) without checking number ranges.

    ``09 7…``, ``+95 9 7…``, ``959 7…`` and ``၀၉…`` give the same key; a
    Thai number keeps its country code. Validity is the intake forms' job:
    here only a shared number matters.
    """
    if text.isascii() and text.isdigit():
        digits = text[:40]  # most cells: digits alone (a placeholder 0 too)
    else:
        if not text.strip() or placeholder(text):
            return "", ""
        text = _PHONE_SEPARATORS.split(text[:40], 1)[0]  # the first of several
        digits = _NOT_DIGIT.sub("", text if text.isascii() else digits_to_ascii(text))
    if digits and not digits.strip("0"):
        return "", ""  # 0, 00000: nothing
    if digits.startswith("0095"):
        digits = digits[4:]
    elif digits.startswith("95") and len(digits) >= 9:
        digits = digits[2:]
    elif digits.startswith("0") and not digits.startswith("00"):
        digits = digits[1:]
    if len(digits) < 6:
        return "", "phone:unreadable"
    return digits, ""


# ------------------------------------------------------------- township ----


@lru_cache(maxsize=1)
def township_index() -> TownshipIndex:
    """The geo app's name index, built from its shipped CSV (no database)."""
    text = (
        resources.files("safepassage.geo")
        .joinpath("data/townships.csv")
        .read_text(encoding="utf-8")
    )
    rows = [
        (
            IndexedTownship(
                r["township_pcode"], r["township_en"], r["township_my"], "", r["state_pcode"]
            ),
            r["township_my_zawgyi"],
        )
        for r in csv.DictReader(text.splitlines())
    ]
    return TownshipIndex(rows)


@lru_cache(maxsize=8192)
def township_key(text: str) -> tuple[str, str]:
    """(place code, warning) of a township typed as a pcode or a name."""
    text = text.strip()
    if not text or placeholder(text):
        return "", ""
    index = township_index()
    hits = index.search(text[:100], 1)
    if hits and (hits[0].exact or hits[0].score >= TOWNSHIP_MIN_SCORE):
        return index.townships[hits[0].position].pcode, ""
    return "", "township:unknown"


# ----------------------------------------------------------------- all ----


@lru_cache(maxsize=1 << 20)
def _name_text(text: str) -> str:
    return key_text(name_key(text)) if text.strip() and not placeholder(text) else ""


@lru_cache(maxsize=65536)
def _date(text: str, this_year: int) -> tuple[PartialDate | None, str]:
    if placeholder(text):
        return None, ""
    parsed = parse_birth_date(text, this_year=this_year)
    return parsed.date, f"date_of_birth:{parsed.warning}" if parsed.warning else ""


def features_from_record(record: PersonRecord, *, this_year: int) -> Features:
    """Read every field of `record`; never raises for string fields.

    Aliases join the names (compared like a name, blocked on more narrowly);
    other phones are kept beside the first (a shared phone is any phone
    both records hold). Unreadable aliases and phones are skipped.
    """
    f = features_from_fields(
        record.id,
        record.name,
        record.name_my,
        record.father_name,
        record.date_of_birth,
        record.nrc,
        record.phone,
        record.township,
        this_year=this_year,
    )
    if record.aliases:
        extra = (_name_text(a) for a in record.aliases[:MAX_ALIASES] if a)
        names = tuple(dict.fromkeys([*f.names, *filter(None, extra)]))
        f.names, f.aliases = names, len(names) - len(f.names)
    if record.other_phones:
        keys = (phone_key(p)[0] for p in record.other_phones[:MAX_OTHER_PHONES] if p)
        others = [k for k in dict.fromkeys(keys) if k and k != f.phone]
        if not f.phone and others:
            f.phone = others.pop(0)
        f.other_phones = tuple(others)
    return f


def features_from_fields(
    id: str,
    name: str,
    name_my: str,
    father_name: str,
    date_of_birth: str,
    nrc_text: str,
    phone_text: str,
    township_text: str,
    *,
    this_year: int,
) -> Features:
    """`features_from_record` without building a record (batch hot path)."""
    warnings: list[str] = []
    names: tuple[str, ...]
    a = _name_text(name) if name else ""
    b = _name_text(name_my) if name_my else ""
    if a and b and a != b:
        names = (a, b)
    elif a or b:
        names = (a or b,)
    else:
        names = ()
    father = _name_text(father_name) if father_name else ""
    dob, warning = _date(date_of_birth, this_year)
    if warning:
        warnings.append(warning)
    nrc, nrc_number, warning = nrc_keys(nrc_text) if nrc_text else ("", "", "")
    if warning:
        warnings.append(warning)
    phone, warning = phone_key(phone_text) if phone_text else ("", "")
    if warning:
        warnings.append(warning)
    township, warning = township_key(township_text) if township_text else ("", "")
    if warning:
        warnings.append(warning)
    return Features(
        id=id,
        names=names,
        father=father,
        dob=dob,
        nrc=nrc,
        nrc_number=nrc_number,
        phone=phone,
        township=township,
        warnings=tuple(warnings),
    )


def key_caches_clear() -> None:
    """Empty the caches that speed up reading many records (after a bulk
    build: up to a million names each, hundreds of megabytes, which the
    compact index does not need kept)."""
    from safepassage.screening import keys

    for cached in (
        _name_text,
        _date,
        keys.name_key,
        keys.latin_word_keys,
        keys._split_run,
        keys._word_syllables,
    ):
        cached.cache_clear()


def name_key_of(text: str) -> Key:
    """The syllable key of a name (re-exported for callers and tests)."""
    return name_key(text)
