"""Burmese text to Unicode: Zawgyi detection and conversion, safe cleanup.

Decisions (figures in docs/benchmarks.md, section "Burmese text"):

* Detection is per *run*: a maximal stretch of Myanmar-script characters
  together with the spaces and digits between them. Anything else (a Latin
  word, a newline, ``/``, ``:``, ``-``, brackets) ends the run, so a
  message that mixes Latin and Burmese, or pastes a Zawgyi name next to a
  Unicode sentence, is judged piece by piece; text outside runs is never
  converted. Measured against whole-string and per-word detection, this
  is the only one that handles mixed encodings without losing accuracy on
  sentences (word-level splitting inside a run was tried and corrupted
  Unicode words next to Zawgyi ones).
* A run is converted with ICU's ``Zawgyi-my`` only when myanmartools'
  probability is at least `CONVERT_THRESHOLD` *and* the converted run no
  longer looks like Zawgyi. Converting Unicode text corrupts it, so every
  doubt keeps the text as typed.
* A run whose probability lies between `UNICODE_THRESHOLD` and
  `CONVERT_THRESHOLD`, and which conversion would change, is kept as typed
  and flagged `uncertain`: short strings such as a single syllable are
  often valid in both encodings and the detector cannot tell.
* Cleanup that cannot change what a reader sees, applied to all text:
  ZERO WIDTH SPACE, ZERO WIDTH NO-BREAK SPACE (BOM) and WORD JOINER are
  removed (Burmese keyboards insert ZWSP as a line-break hint, and it
  splits otherwise equal names); ZWJ/ZWNJ are removed only next to a
  Myanmar character (they join emoji sequences elsewhere); the Myanmar
  digit zero ``၀`` followed by a vowel sign, medial or other combining mark,
  or by a consonant with asat (``၀င်း``), becomes the letter ``ဝ``: a digit
  never carries a mark nor starts a syllable, the two glyphs look the same
  and typists confuse them. Finally the text is NFC.
* Invariants (tested with hypothesis): no exception for any ``str``;
  idempotent; text without Myanmar characters changes only by the cleanup
  above and NFC.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import icu
from myanmartools import ZawgyiDetector

#: At or above: the run is Zawgyi and is converted (if conversion is sane).
CONVERT_THRESHOLD = 0.95
#: At or below: the run is Unicode, kept as typed without a flag.
UNICODE_THRESHOLD = 0.05

MYANMAR_CLASS = "\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff"

_INVISIBLE = re.compile("[\u200b\ufeff\u2060]")
_JOINERS_NEAR_MYANMAR = re.compile(
    f"(?<=[{MYANMAR_CLASS}])[\u200c\u200d]+|[\u200c\u200d]+(?=[{MYANMAR_CLASS}])"
)
_MYANMAR_CHUNK = re.compile(f"[{MYANMAR_CLASS}]+")
# What may separate two Myanmar chunks of one run: spaces and digits.
_JOINING_GAP = re.compile("[0-9 \t\u00a0\u2000-\u200a\u202f\u205f\u3000]*")
# Combining marks of the Myanmar block (vowel signs, medials, tones, asat).
_MARKS = (
    "\u102b-\u103e\u1056-\u1059\u105e-\u1060\u1062-\u1064"
    "\u1067-\u106d\u1071-\u1074\u1082-\u108d\u108f\u109a-\u109d"
)
# The digit zero where only the letter WA can stand: before a mark, or
# before a consonant killed by asat (a syllable needs an initial).
_DIGIT_ZERO_AS_WA = re.compile(f"\u1040(?=[{_MARKS}]|[\u1000-\u1021]\u103a)")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The result of `normalize_text_detailed`.

    `zawgyi_probability` is the highest detector score over the Burmese
    runs of the input (0.0 when there is no Myanmar character), kept so a
    reviewer can see how sure the decision was. `converted` is true when at
    least one run was converted from Zawgyi; `uncertain` when at least one
    run was kept as typed although it may be Zawgyi.
    """

    text: str
    converted: bool
    zawgyi_probability: float
    uncertain: bool


class _Engines(threading.local):
    """ICU transliterators are not thread-safe: one per thread."""

    def __init__(self) -> None:
        self.zawgyi_to_unicode: Any = icu.Transliterator.createInstance("Zawgyi-my")


_engines = _Engines()


@cache
def _detector() -> ZawgyiDetector:
    # Stateless after construction (reads only), so one instance is shared.
    return ZawgyiDetector()


def zawgyi_probability(text: str) -> float:
    """myanmartools' probability that `text` is Zawgyi; 0.0 without Burmese."""
    p = _detector().get_zawgyi_probability(text)
    return p if p >= 0.0 else 0.0


def _clean(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    text = _JOINERS_NEAR_MYANMAR.sub("", text)
    return unicodedata.normalize("NFC", text)


def _finish_run(run: str) -> str:
    return unicodedata.normalize("NFC", _DIGIT_ZERO_AS_WA.sub("\u101d", run))


def burmese_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each Burmese run of `text`, in order.

    Myanmar chunks separated only by horizontal spaces and ASCII digits
    belong to the same run.
    """
    spans: list[tuple[int, int]] = []
    for m in _MYANMAR_CHUNK.finditer(text):
        start, end = m.span()
        if spans and _JOINING_GAP.fullmatch(text[spans[-1][1] : start]):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


@dataclass(frozen=True, slots=True)
class _RunDecision:
    text: str
    converted: bool
    probability: float
    uncertain: bool


def _decide(run: str) -> _RunDecision:
    p = zawgyi_probability(run)
    if p <= UNICODE_THRESHOLD:
        return _RunDecision(_finish_run(run), False, p, False)
    candidate = _finish_run(_engines.zawgyi_to_unicode.transliterate(run))
    unchanged = _finish_run(run)
    if candidate == unchanged:
        # Same text in both encodings: nothing to decide.
        return _RunDecision(unchanged, False, p, False)
    if p >= CONVERT_THRESHOLD and zawgyi_probability(candidate) < CONVERT_THRESHOLD:
        return _RunDecision(candidate, True, p, False)
    return _RunDecision(unchanged, False, p, True)


def normalize_text_detailed(text: str) -> NormalizedText:
    """Normalise `text` to Unicode Burmese and report how sure the result is.

    See the module docstring for the rules. Never raises for a ``str``.
    """
    text = _clean(text)
    parts: list[str] = []
    converted = uncertain = False
    probability = 0.0
    last = 0
    for start, end in burmese_runs(text):
        decision = _decide(text[start:end])
        parts.append(text[last:start])
        parts.append(decision.text)
        last = end
        converted |= decision.converted
        uncertain |= decision.uncertain
        probability = max(probability, decision.probability)
    parts.append(text[last:])
    result = unicodedata.normalize("NFC", "".join(parts))
    return NormalizedText(result, converted, probability, uncertain)


def normalize_text(text: str) -> str:
    """Any Burmese text to Unicode Burmese, NFC; other text as typed.

    Stable interface (docs/architecture): Zawgyi is converted only when
    detected. Use `normalize_text_detailed` to learn whether a short,
    ambiguous string was kept as typed.
    """
    return normalize_text_detailed(text).text
