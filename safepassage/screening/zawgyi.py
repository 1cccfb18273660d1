"""ICU's ``Zawgyi-my`` transform of a name, word by word where that is exact.

A batch converts hundreds of thousands of distinct Zawgyi names, and the
transform (about 15 µs a name) was its largest single native cost; the
words of those names repeat far more than the names. `transliterate` gives
exactly what ``Zawgyi-my`` gives for the whole string, converting each
space-separated word once (cached), whenever the rules allow it, and the
whole string otherwise.

Why it is exact (the rules as ICU 72 ships them, `RULES_SHA256`; with
other rules the whole string is always converted). The transform is eight
passes of rules. No rule's pattern can match a U+0020 SPACE except:

1. pass 2, the digits ``၀`` and ``၄`` (U+1040, U+1044) read as letters,
   with ``[^၀-၉]`` beside them, anchored at the start or end of the string;
2. pass 3, ``([spaces])့ > ့ $1`` and ``([spaces]+)([ါ-ူဲ-ျွှ]) > $2``;
3. pass 8, ``([spaces])+([ါ-ဲံ-ှ]) > $2``, and ZERO WIDTH SPACEs at either
   end of the string.

So a match never runs across the space between two words, and each word
is rewritten as it would be alone, provided none of these fires at that
space, and no anchored rule tells the words apart. The guards:

* no Myanmar digit and no ZERO WIDTH SPACE in the text (rules 1 and 3;
  no rule writes either);
* every word after the first starts with a consonant or independent
  vowel (U+1000-U+102A) or ``ေ`` (U+1031). Pass 1 keeps such a first
  letter one of these (its rules starting on a consonant or ဥ write a
  consonant first), pass 2 changes nothing without digits, so at pass 3
  the space is followed by none of the characters of rule 2;
* every converted word after the first starts with U+1000-U+102A. The
  last pass turns a mark or a space-like character at a word's start into
  a mark, never into a letter, so the word started with no such
  character when that pass began, and rule 3 did not fire at the space.

Anchors: ``^`` and ``$`` appear only in rules 1 and 3 (digits, ZERO WIDTH
SPACE), which the guards exclude, so a word's start and end being a
string's start and end changes nothing. Held-out lists of 100,000 and
1,000,000 rows give byte-identical `dedupe_csv` output either way
(bench/screening/dedupe_compare.py), and tests compare both ways.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import lru_cache
from typing import Any

import icu

#: SHA-256 of ``Transliterator.createInstance("Zawgyi-my").toRules(False)``
#: whose passes the proof above reads.
RULES_SHA256 = "632f050875a21d105693080368ddcf661f2930497b61b77b3208ac16653b2059"

#: What the anchored rules read: a Myanmar digit, a ZERO WIDTH SPACE.
_ANCHORED = re.compile("[\u1040-\u1049\u200b]")
_WORD_START = re.compile("[\u1000-\u102a\u1031]")
_CONVERTED_START = re.compile("[\u1000-\u102a]")


class _Converter(threading.local):
    """ICU transliterators are not thread-safe: one per thread."""

    def __init__(self) -> None:
        self.zawgyi: Any = icu.Transliterator.createInstance("Zawgyi-my")


_converter = _Converter()


def _rules_sha256() -> str:
    return hashlib.sha256(_converter.zawgyi.toRules(False).encode()).hexdigest()


#: Whether the word-by-word path is proven for the ICU in use.
WORDWISE = _rules_sha256() == RULES_SHA256


def whole(text: str) -> str:
    """``Zawgyi-my`` of `text`, in one call."""
    out: str = _converter.zawgyi.transliterate(text)
    return out


@lru_cache(maxsize=1 << 17)
def _word(word: str) -> str:
    return whole(word)


def transliterate(text: str) -> str:
    """``Zawgyi-my`` of `text`: exactly `whole(text)`, word by word when
    the guards above allow."""
    if " " not in text or not WORDWISE or _ANCHORED.search(text) is not None:
        return whole(text)
    words = text.split(" ")
    rest = words[1:]
    if not all(_WORD_START.match(w) for w in rest):
        return whole(text)
    converted = list(map(_word, words))
    if not all(_CONVERTED_START.match(w) for w in converted[1:]):
        return whole(text)
    return " ".join(converted)
