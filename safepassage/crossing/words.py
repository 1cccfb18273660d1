"""Recognition words: a pair drawn for each plan, said at the meeting.

The team says the first word, the person answers with the second: each
side shows the other that it is the one the programme spoke to. The pair
is drawn with `secrets` from `data/words.tsv` (64 ordinary Burmese words
with a Latin spelling; provenance in the file), two different words:
64 × 63 = 4,032 pairs, about 12 bits. That is enough for a live exchange
that is used once (an impostor has one try, face to face, and a wrong
word aborts the meeting); it is not a password and is never used as one.

The words are kept encrypted (the team must read them) and the second
word also as a keyed hash (`answer_check`), so that the arrival can be
checked against what the person said without showing the word again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from safepassage.intake.conversation import duress_words
from safepassage.language import normalize_text
from safepassage.vault.api import derive_key

WORDS_FILE = Path(__file__).parent / "data" / "words.tsv"


@dataclass(frozen=True)
class Word:
    my: str
    latin: str


@dataclass(frozen=True)
class WordPair:
    first: Word
    second: Word

    def as_json(self) -> dict[str, list[str]]:
        return {
            "my": [self.first.my, self.second.my],
            "latin": [self.first.latin, self.second.latin],
        }


@cache
def word_list() -> tuple[Word, ...]:
    words = []
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        my, latin = line.split("\t")
        words.append(Word(normalize_text(my.strip()), latin.strip()))
    return tuple(words)


def words_draw() -> WordPair:
    """Two different words, neither a configured duress word."""
    banned = set(duress_words())
    pool = [w for w in word_list() if w.my.casefold() not in banned and w.latin not in banned]
    first = secrets.choice(pool)
    second = secrets.choice([w for w in pool if w != first])
    return WordPair(first, second)


def _key(text: str) -> str:
    return normalize_text(text or "").strip().casefold().replace(" ", "").replace("-", "")


def answer_check_of(word: Word) -> str:
    """The keyed hash kept for the second word: one hash covers both
    scripts (the Burmese word is checked through its Latin twin)."""
    return _hash(_key(word.latin))


def _hash(value: str) -> str:
    key = derive_key("seal", "crossing-words")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def answer_matches(said: str, check: str) -> bool:
    """True when `said` (Burmese or Latin) is the second word of `check`."""
    if not check or not said:
        return False
    key = _key(said)
    candidates = {key}
    for word in word_list():
        if _key(word.my) == key:
            candidates.add(_key(word.latin))
    return any(hmac.compare_digest(_hash(c), check) for c in candidates)
