"""Weapon serial numbers as tired people type them, reduced to one key.

The rule, applied in this order (`serial_normalize`):

1. Burmese text is made Unicode: Zawgyi is converted when detected
   (`safepassage.language.normalize_text`).
2. NFKC: fullwidth letters and digits (Ｍ, ４), ligatures and compatibility
   forms become their plain forms.
3. Upper case (`str.upper`).
4. Confusable letters of other scripts become the Latin letter they look
   like: Cyrillic А В Е К М Н О Р С Т Х У І Ј Ѕ and Greek Α Β Ε Ζ Η Ι Κ Μ
   Ν Ο Ρ Τ Υ Χ (see `CONFUSABLES`).
5. Every decimal digit of any script (Burmese ၀-၉, Shan, Arabic-Indic...)
   becomes its ASCII digit.
6. Everything that is not a letter, a combining mark or a digit is
   removed: spaces, dashes, dots, slashes, underscores, zero-width and
   control characters, symbols.
7. Numeric context: in the string left by step 6, each maximal run of the
   letters O, I, L and Burmese ဝ (wa, typed for ၀ zero) that has a digit
   immediately before or after it becomes digits: O and ဝ -> 0, I and
   L -> 1. "MA1-O2345" -> "MA102345", "BA 63 OO1" -> "BA63001"; a run
   between letters stays: "LOT5" keeps its L, O ("LOT5"), "MOL" stays.

The key is what the blind index hashes and what duplicate checks compare.
It never goes to a page: staff see the serial as typed. Two serials that
differ only by the rule are the same serial (a false merge raises an alert
for headquarters to look at, which is the safe direction). The function
is idempotent: a key normalises to itself.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext_lazy as _

from safepassage.language import normalize_text

#: Longest serial accepted as typed, and longest key kept.
SERIAL_INPUT_MAX = 200
SERIAL_KEY_MAX = 64

CONFUSABLES = str.maketrans(
    {
        # Cyrillic capitals
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "І": "I",
        "Ј": "J",
        "Ѕ": "S",
        # Greek capitals
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
    }
)

_AMBIGUOUS = {"O": "0", "ဝ": "0", "I": "1", "L": "1"}


class SerialError(ValueError):
    """The text holds no serial (nothing left after the rule) or too much."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def _kept(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category[0] in {"L", "M"}:
        return char
    return ""


_ROUNDS = 4


def _pass(text: str) -> str:
    """Steps 2 to 6 of the rule, once."""
    text = unicodedata.normalize("NFKC", text).upper().translate(CONFUSABLES)
    return "".join(_kept(c) for c in text)


def _numeric_context(compact: str) -> str:
    out = list(compact)
    i = 0
    n = len(out)
    while i < n:
        if out[i] not in _AMBIGUOUS:
            i += 1
            continue
        j = i
        while j < n and compact[j] in _AMBIGUOUS:
            j += 1
        before = compact[i - 1] if i > 0 else ""
        after = compact[j] if j < n else ""
        if before.isdigit() or after.isdigit():
            for k in range(i, j):
                out[k] = _AMBIGUOUS[compact[k]]
        i = j
    return "".join(out)


def serial_normalize(text: str) -> str:
    """The key of a typed serial (see the module's rule). Raises SerialError."""
    if not isinstance(text, str):
        raise SerialError(_("A serial number is text."))
    if len(text) > SERIAL_INPUT_MAX:
        raise SerialError(_("A serial number is at most 200 characters."))
    compact = _pass(normalize_text(text))
    # Dropping a character can bring a letter and a mark together that NFKC
    # then composes ("O" + spacing diaeresis -> "O" + U+0308 -> "Ö"), and
    # upper() can decompose: repeat until nothing changes (two or three
    # rounds), so that the key is its own key.
    for _round in range(_ROUNDS):
        again = _pass(compact)
        if again == compact:
            break
        compact = again
    key = _numeric_context(compact)
    if not key:
        raise SerialError(_("The serial number holds no letter or digit."))
    if len(key) > SERIAL_KEY_MAX:
        raise SerialError(_("A serial number is at most 64 letters and digits."))
    return key


def serial_key(value: str) -> str:
    """The blind index's normaliser (BlindIndexField calls it)."""
    return serial_normalize(value)
