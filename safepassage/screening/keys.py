"""Romanisation-independent name keys for Burmese names, in both scripts.

A name becomes a tuple of *syllable keys*. A key forgets what spellings of
one Burmese syllable disagree on, so ``Kyaw``/``Kyao``/``ကျော်`` share the
key ``kyaw`` and ``Htun``/``Tun``/``ထွန်း`` share ``tun``:

* the onset loses aspiration and voicing marks that romanisations drop or
  add (``ht``/``th``/``t`` -> ``t``; ``kh``/``hk``/``k``/``g`` -> ``k``;
  ``ph``/``hp``/``p``/``b`` -> ``p``; ``hl``/``l`` -> ``l``; ``ky``/``ch``/``gy``
  -> ``ky``); a medial ``w`` is kept (``Lwin`` is not ``Lin``);
* the rhyme is mapped to one spelling per Burmese rhyme (``ay``/``ae``/
  ``aye``/``e``/``ai`` -> ``e``; ``aing``/``ine`` -> ``aing``; ``ein``/
  ``ain`` -> ``ein``; ``int``/``in`` -> ``in``; ``ar``/``ah``/``a`` ->
  ``a``; doubled letters collapse: ``Thett`` -> ``tet``).

Burmese script is read syllable by syllable (onset, medials, vowel signs,
final) straight into the same key space, after `normalize_text` (Zawgyi to
Unicode). ICU's ``my-Latn`` transform was tried and not used: it is a
letter-by-letter transliteration (``ထွန်း`` -> ``htwann``), far from how
names are spelt in Latin.

Latin text typed without spaces (``ZeyarHtetSan``, ``zeyarhtetsan``) is
split at capitals, then each run is split into syllables by a small
dynamic programme that prefers known name syllables.

Honorifics (``U``, ``Daw``, ``Ko``, ``Ma``, ``Maung``/``Mg``, ``Saw``,
``Naw``, ``Sai``, ``Nang``/``Nan``, ``Khun``, ``Sao``, ``Dr``,
``Thakin``, ``Saya`` and their Burmese forms) are dropped from the start of
a name, but never the last syllable: ``Maung Maung`` keeps one ``maung``.

Invariants (tested with hypothesis): never raises for a ``str``; the key of
a Zawgyi spelling equals the key of its Unicode spelling when the converter
recognises it; adding or removing a leading honorific does not change the
key of a name of two or more syllables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from safepassage.language import digits_to_ascii, normalize_text
from safepassage.screening import zawgyi

Key = tuple[str, ...]

MAX_NAME_CHARS = 120

# ---------------------------------------------------------------- Latin ----

#: Latin onsets, longest first, and their class.
_ONSETS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "hmy": "my",
            "hny": "ny",
            "phy": "py",
            "hpy": "py",
            "hky": "ky",
            "chy": "ky",
            "ky": "ky",
            "gy": "ky",
            "ch": "ky",
            "j": "ky",
            "kh": "k",
            "hk": "k",
            "gh": "k",
            "k": "k",
            "g": "k",
            "q": "k",
            "ng": "ng",
            "ny": "ny",
            "sh": "sh",
            "hs": "s",
            "s": "s",
            "c": "s",
            "z": "z",
            "ht": "t",
            "th": "t",
            "t": "t",
            "dh": "d",
            "d": "d",
            "hn": "n",
            "nh": "n",
            "n": "n",
            "hm": "m",
            "mh": "m",
            "m": "m",
            "hl": "l",
            "l": "l",
            "ph": "p",
            "hp": "p",
            "p": "p",
            "f": "p",
            "by": "py",
            "bh": "p",
            "b": "p",
            "v": "p",
            "py": "py",
            "my": "my",
            "y": "y",
            "r": "y",
            "wh": "w",
            "hw": "w",
            "w": "w",
            "h": "h",
            "x": "s",
        }.items(),
        key=lambda kv: -len(kv[0]),
    )
)

#: Latin rhyme spellings -> rhyme key.
_RHYMES: dict[str, str] = {
    **dict.fromkeys(("a", "ar", "ah", "aa", "arr", "ahr"), "a"),
    **dict.fromkeys(("e", "ay", "ae", "aye", "ey", "ei", "ai", "eh", "ayy", "aie"), "e"),
    **dict.fromkeys(("i", "ee", "ii", "ih", "ie", "yi"), "i"),
    **dict.fromkeys(("u", "oo", "uu", "ue"), "u"),
    **dict.fromkeys(("o", "oe", "oh", "ow", "ou", "oa"), "o"),
    **dict.fromkeys(("aw", "ao", "au", "awe", "or", "aww", "aou"), "aw"),
    **dict.fromkeys(("an", "ann", "arn", "ant", "am", "ahn", "anh", "ang"), "an"),
    **dict.fromkeys(("in", "inn", "int", "yin", "en", "inh", "yn", "ynn", "ynt"), "in"),
    **dict.fromkeys(("ein", "ain", "eine", "ane", "eain", "ayn", "eyn", "einn"), "ein"),
    **dict.fromkeys(("aing", "ine", "aine", "eing", "ying", "yne", "ign", "eng"), "aing"),
    **dict.fromkeys(("aung", "aong", "awng", "aun", "ong", "oung"), "aung"),
    **dict.fromkeys(("auk", "aok", "awk", "ouk"), "auk"),
    **dict.fromkeys(("et", "ett", "ek", "eq", "ec", "eck"), "et"),
    **dict.fromkeys(("at", "att", "ap", "ut", "utt"), "at"),
    **dict.fromkeys(("it", "itt", "ik"), "it"),
    **dict.fromkeys(("eik", "aik", "ake", "eit", "aike", "ike", "ite", "eik"), "eik"),
    **dict.fromkeys(("un", "oon", "unt", "unn", "oun", "woon"), "un"),
    **dict.fromkeys(("on", "ohn", "one", "own", "ome", "om", "oan"), "on"),
    **dict.fromkeys(("ok", "oke", "ote", "ot", "oat", "oak"), "ok"),
}
_MAX_RHYME = max(map(len, _RHYMES))
_VOWELS = frozenset("aeiou")
_DOUBLED = re.compile(r"([a-z])\1+")
_WORD = re.compile(r"[A-Za-z]+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")

#: Syllable keys of common name syllables: the splitter prefers them.
COMMON_KEYS: frozenset[str] = frozenset(
    " ".join(
        (
            "aung kyaw zaw win min tun aing tet ein lin paing po so mo tu ye nyi",
            "kan kaung myo tin lwin ne kyan tan we yan pye zin myat kin nwe ti pyu",
            "mya su me nin yu wa kyo pan e nyein shwe za ba la sein nyun pe myin",
            "maung ko ma u daw saw naw laing naing kyi pyo yin ya mi taw sa san ka",
            "mun mon nu kun o on hein yi ni ta saing se nan pa pon kyit",
        )
    ).split()
)


def _rhyme_key(rhyme: str) -> str | None:
    found = _RHYMES.get(rhyme)
    if found is None:
        found = _RHYMES.get(_DOUBLED.sub(r"\1", rhyme))
    return found


@lru_cache(maxsize=65536)
def latin_syllable_key(syllable: str) -> str | None:
    """The key of one Latin syllable (lower case letters), or None."""
    cls, rest = "", syllable
    for candidate, candidate_cls in _ONSETS:
        if syllable.startswith(candidate):
            cls, rest = candidate_cls, syllable[len(candidate) :]
            break
    if len(rest) >= 2 and rest[0] == "w" and rest[1] in _VOWELS and rest[:2] != "aw":
        cls, rest = cls + "w", rest[1:]
    rhyme = _rhyme_key(rest) if rest else None
    if rhyme is None:
        return None
    if cls.endswith("w") and rhyme in ("un", "at") and cls != "w":
        cls = cls[:-1]
    return cls + rhyme


@lru_cache(maxsize=1 << 18)
def _split_run(run: str) -> tuple[tuple[str, str], ...]:
    """(spelling, key) syllables of a lower-case letter run, best split."""
    n = len(run)
    inf = float("inf")
    best: list[float] = [inf] * (n + 1)
    back: list[tuple[int, str]] = [(0, "")] * (n + 1)
    best[0] = 0.0
    longest = 3 + 1 + _MAX_RHYME
    for i in range(n):
        if best[i] == inf:
            continue
        for j in range(i + 1, min(n, i + longest) + 1):
            key = latin_syllable_key(run[i:j])
            if key is None:
                continue
            cost = best[i] + 1.0
            if key not in COMMON_KEYS:
                cost += 0.8
            if run[i] in _VOWELS:
                cost += 0.3
            if cost < best[j]:
                best[j] = cost
                back[j] = (i, key)
    if best[n] == inf:
        return ((run, run),)
    parts: list[tuple[str, str]] = []
    j = n
    while j > 0:
        i, key = back[j]
        parts.append((run[i:j], key))
        j = i
    return tuple(reversed(parts))


# An apostrophe joins what it stands in, as one syllable run: Kachin
# N'Hkum is typed Nhkum too (split there, it made a syllable "n").
_APOSTROPHE = re.compile("['\u2018\u2019\u02bc`\u00b4]+([A-Za-z]?)")


@lru_cache(maxsize=1 << 18)
def _word_syllables(word: str) -> tuple[tuple[str, str], ...]:
    """(spelling, key) syllables of one whitespace-free Latin token."""
    out: list[tuple[str, str]] = []
    if _APOSTROPHE.search(word):
        word = _APOSTROPHE.sub(lambda m: m.group(1).lower(), word)
    plain = unicodedata.normalize("NFKD", word)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    for letters in _WORD.findall(plain):
        if letters.lower() in _LATIN_ABBREVIATIONS:
            out.append((letters, _LATIN_ABBREVIATIONS[letters.lower()]))
            continue
        pieces = _CAMEL.findall(letters) if not letters.isupper() else [letters]
        for piece in pieces:
            low = piece.lower()
            if low in _LATIN_ABBREVIATIONS:
                out.append((piece, _LATIN_ABBREVIATIONS[low]))
                continue
            offset = 0
            for spelling, key in _split_run(low):
                out.append((piece[offset : offset + len(spelling)], key))
                offset += len(spelling)
    return tuple(out)


def latin_syllables(text: str) -> list[tuple[str, str]]:
    """(spelling, key) for each syllable of a Latin name, honorifics kept."""
    out: list[tuple[str, str]] = []
    for word in text.split():
        out.extend(_word_syllables(word))
    return out


#: The key of the Shan honorific စိုင်း (Sai), apart from ဆိုင် (Hseng).
SAI = "sai"
_VISARGA = "\u1038"

# Abbreviations and titles typed as one token.
_LATIN_ABBREVIATIONS: dict[str, str] = {
    "mg": "maung",
    # Sai is စိုင်း (the Shan honorific), not the rhyme "ai" = "e": read as
    # "se", it would meet စည် (Si, as in Sithu). Its key is its own: ဆိုင်
    # (Hseng, Seng), a name syllable keyed "saing", is no honorific.
    "sai": SAI,
    "dr": "#dr",
    "doctor": "#dr",
    "mr": "#mr",
    "mrs": "#mr",
    "ms": "#mr",
    "miss": "#mr",
    "thakin": "#takin",
    "saya": "#saya",
    "sayar": "#saya",
    "sayama": "#saya",
    "sayarma": "#saya",
}

# -------------------------------------------------------------- Burmese ----

_CONSONANT_CLASS: dict[str, str] = {
    **dict.fromkeys("ကခဂဃ", "k"),
    "င": "ng",
    **dict.fromkeys("စဆ", "s"),
    **dict.fromkeys("ဇဈ", "z"),
    **dict.fromkeys("ညဉ", "ny"),
    **dict.fromkeys("ဋဌတထသ", "t"),
    **dict.fromkeys("ဍဎဒဓ", "d"),
    **dict.fromkeys("ဏန", "n"),
    **dict.fromkeys("ပဖ", "p"),
    **dict.fromkeys("ဗဘ", "p"),
    "မ": "m",
    **dict.fromkeys("ယရ", "y"),
    **dict.fromkeys("လဠ", "l"),
    "ဝ": "w",
    "ဟ": "h",
    "အ": "",
}
_INDEPENDENT_VOWELS: dict[str, str] = {
    "ဣ": "i",
    "ဤ": "i",
    "ဥ": "u",
    "ဦ": "u",
    "ဧ": "e",
    "ဩ": "aw",
    "ဪ": "aw",
}
_WITH_Y = {"k": "ky", "ng": "ny", "p": "py", "m": "my", "l": "y", "y": "y"}
_ASAT = "\u103a"
_VIRAMA = "\u1039"
_DOT_BELOW = "\u1037"
_MEDIAL_Y = "\u103b\u103c"
_MEDIAL_W = "\u103d"
_MEDIAL_H = "\u103e"
_FINAL = re.compile("([\u1000-\u1021])\u1037?[\u103a\u1039]")
_BURMESE_LETTER = re.compile("[\u1000-\u102a\u103f]")
_MYANMAR = re.compile("[\u1000-\u109f]")
_MYANMAR_AND_SPACES = re.compile("[\u1000-\u109f\\s]*")


# A syllable: an initial (consonant or independent vowel), then signs, and
# finals (a consonant killed by asat, or stacked under a virama).
_SYLLABLE = re.compile(
    "[\u1000-\u102a\u103f](?:[\u1000-\u1021]\u1037?[\u103a\u1039]|[\u102b-\u1038\u103a-\u103e])*"
)


def _burmese_syllables(text: str) -> list[str]:
    """Split Unicode Burmese into orthographic syllables."""
    return _SYLLABLE.findall(text)


@lru_cache(maxsize=16384)
def burmese_syllable_key(syllable: str) -> str:
    """The key of one Unicode Burmese syllable (see module docstring)."""
    first = syllable[0]
    if first in _INDEPENDENT_VOWELS:
        onset, vowel_default = "", _INDEPENDENT_VOWELS[first]
    else:
        onset, vowel_default = _CONSONANT_CLASS.get(first, ""), "a"
    body = syllable[1:]
    final = ""
    m = _FINAL.search(body)
    if m:
        final = m.group(1)
        body = body[: m.start()] + body[m.end() :]
    has_w = _MEDIAL_W in body
    if any(c in body for c in _MEDIAL_Y):
        onset = _WITH_Y.get(onset, onset + "y")
    if (_MEDIAL_H in body and first in "ရယ") or (
        first == "လ" and _MEDIAL_H in body and "ျ" in body
    ):
        onset = "sh"
    vowels = "".join(c for c in body if c in "ါာိီုူေဲံ")
    rhyme = _burmese_rhyme(vowels, final, has_w, vowel_default)
    if has_w and rhyme not in ("un", "at"):
        onset += "w"
    if first == "စ" and rhyme == "aing" and _VISARGA in body and onset == "s":
        return SAI  # စိုင်း, whatever order its signs were typed in
    return onset + rhyme


def _burmese_rhyme(vowels: str, final: str, has_w: bool, default: str) -> str:
    i_vowel = "ိ" in vowels or "ီ" in vowels
    u_vowel = "ု" in vowels or "ူ" in vowels
    e_vowel = "ေ" in vowels
    a_vowel = "ာ" in vowels or "ါ" in vowels
    if not final:
        if "ံ" in vowels:
            return "ein" if i_vowel else ("on" if u_vowel else ("un" if has_w else "an"))
        if e_vowel and a_vowel:
            return "aw"
        if i_vowel and u_vowel:
            return "o"
        if i_vowel:
            return "i"
        if u_vowel:
            return "u"
        if e_vowel or "ဲ" in vowels:
            return "e"
        return default if default != "a" or not a_vowel else "a"
    if final == "က":
        if e_vowel and a_vowel:
            return "auk"
        if i_vowel and u_vowel:
            return "eik"
        return "et"
    if final == "င":
        if e_vowel and a_vowel:
            return "aung"
        if i_vowel and u_vowel:
            return "aing"
        return "in"
    if final == "စ":
        return "it"
    if final in "ဉ":
        return "in"
    if final == "ည":
        return "e"
    if final in "တပ":
        if i_vowel:
            return "eik"
        if u_vowel:
            return "ok"
        return "at"
    if final in "နမဏ":
        if i_vowel:
            return "ein"
        if u_vowel:
            return "on"
        return "un" if has_w else "an"
    if final == "ယ":
        return "e"
    if final == "လ":
        return "o" if u_vowel else "an"
    return "a"


# ----------------------------------------------------------- honorifics ----

#: Keys of single-syllable honorifics (both scripts give the same key).
HONORIFIC_KEYS: frozenset[str] = frozenset(
    {
        "u",  # U, ဦး
        "daw",  # Daw, ဒေါ်
        "ko",  # Ko, ကို
        "ma",  # Ma, မ
        "maung",  # Maung, Mg, မောင်
        "saw",  # Saw, Sao, စော
        "naw",  # Naw, နော်
        SAI,  # Sai, စိုင်း
        "nan",  # Nan, Nang, Nant, နန်း
        "man",  # Mahn, မန်း
        "kun",  # Khun, ခွန်
        "#dr",
        "#mr",
        "#takin",
        "#saya",
    }
)
#: Honorifics of two syllables, as key sequences.
HONORIFIC_SEQUENCES: tuple[Key, ...] = (
    ("ta", "kin"),  # Tha Khin, သခင်
    ("sa", "ya"),  # Sa Yar, ဆရာ
    ("dauk", "ta"),  # ဒေါက်တာ
)


_FIRST_OF_SEQUENCES = frozenset(seq[0] for seq in HONORIFIC_SEQUENCES)


def strip_honorifics(keys: list[str]) -> list[str]:
    """Leading honorifics dropped; at least one syllable is always kept."""
    if not keys or (keys[0] not in HONORIFIC_KEYS and keys[0] not in _FIRST_OF_SEQUENCES):
        return keys
    start, end = 0, len(keys)
    while end - start > 1:
        first = keys[start]
        if first in HONORIFIC_KEYS:
            start += 1
            continue
        if first not in _FIRST_OF_SEQUENCES:
            break
        for seq in HONORIFIC_SEQUENCES:
            if end - start > len(seq) and tuple(keys[start : start + len(seq)]) == seq:
                start += len(seq)
                break
        else:
            break
    kept = keys[start:]
    return [k for k in kept if k[0] != "#"] or kept


# -------------------------------------------------------------- public ----


def has_myanmar(text: str) -> bool:
    return _MYANMAR.search(text) is not None


# Patterns that well-formed Unicode Burmese never has and Zawgyi often
# does: Zawgyi-only code points, a vowel sign E or medial RA stored before
# its consonant, Zawgyi's asat (U+1039) not followed by a consonant.
_NOT_UNICODE = re.compile(
    "[\u1050-\u109f]"
    "|(?:^|[^\u1000-\u1021\u103b-\u103e\u1037])[\u1031\u103b\u103c]"
    "|\u1039(?![\u1000-\u1021])"
)
# A virama before a consonant is a Pali stack in Unicode ("သစ္စာ") but, in
# Zawgyi, the asat of a closed syllable followed by the next one ("လြင္စိုး"):
# only the detector can tell. Unicode's kinzi (U+1004 U+103A U+1039) is not
# ambiguous.
_STACK_OR_ZAWGYI_ASAT = re.compile("(?<!\u103a)\u1039[\u1000-\u1021]")
_VIRAMA_PAIR = re.compile("([\u1000-\u1021])\u1039([\u1000-\u1021])")
#: Pali stacks join consonants of one row (varga) of the alphabet, or a
#: consonant with itself; a virama between consonants of different rows
#: cannot be a Unicode stack, so it is Zawgyi's asat.
_VARGA = {
    c: row
    for row, letters in enumerate(("ကခဂဃင", "စဆဇဈည", "ဋဌဍဎဏ", "တထဒဓန", "ပဖဗဘမ"))
    for c in letters
}


def _could_be_stacks(text: str) -> bool:
    """Whether every virama between consonants in `text` may be a stack."""
    for upper, lower in _VIRAMA_PAIR.findall(text):
        if upper != lower and (upper not in _VARGA or _VARGA[upper] != _VARGA.get(lower)):
            return False
    return True


_INVISIBLE = re.compile("[\u200b-\u200d\ufeff\u2060]")


def to_unicode(text: str) -> str:
    """Unicode Burmese for a name, faster than `normalize_text` on names.

    Well-formed Unicode is kept as is. Text that cannot be Unicode (see
    `_NOT_UNICODE`) is converted with ICU's ``Zawgyi-my``; when the result
    is still not well-formed, `normalize_text` (detector and all) decides,
    as it does for well-formed text with a virama before a consonant (a Pali
    stack in Unicode, an asat in Zawgyi). The detector costs about 50 µs a
    name and is asked only about text that could be either.
    """
    text = _INVISIBLE.sub("", text)
    if not _NOT_UNICODE.search(text):
        if not _STACK_OR_ZAWGYI_ASAT.search(text):
            return unicodedata.normalize("NFC", text)
        if _could_be_stacks(text):
            return normalize_text(text)
    # Cannot be Unicode: Zawgyi.
    converted = unicodedata.normalize("NFC", zawgyi.transliterate(text))
    if not _NOT_UNICODE.search(converted):
        return converted
    return normalize_text(text)


#: Burmese digits typed for the letters they look like: ၀ for ဝ, ၇ for ရ
#: (a name holds no digits).
_DIGITS_AS_LETTERS = str.maketrans({"\u1040": "\u101d", "\u1047": "\u101b"})


def _digits_as_letters(text: str) -> str:
    # translate looks up every character (1.5 µs a name); most hold neither.
    if "\u1040" in text or "\u1047" in text:
        return text.translate(_DIGITS_AS_LETTERS)
    return text


@lru_cache(maxsize=1 << 20)
def name_key(text: str) -> Key:
    """The honorific-free syllable key of a name in either script.

    Burmese and Latin parts of one string are read in order. Digits and
    punctuation are ignored, but for the Burmese digits that look like
    letters (၀ ဝ, ၇ ရ). Never raises for a ``str``; () for no name.
    """
    text = text[:MAX_NAME_CHARS]
    keys: list[str] = []
    if not has_myanmar(text):
        return latin_name_key(text)
    text = to_unicode(_digits_as_letters(text))
    if _MYANMAR_AND_SPACES.fullmatch(text):
        # Burmese script alone (most names): no syllable can run across a
        # space or a digit, so the whole text splits as its parts would.
        keys = [burmese_syllable_key(s) for s in _burmese_syllables(text)]
    else:
        for chunk in re.split("([\u1000-\u109f]+)", digits_to_ascii(text)):
            if not chunk:
                continue
            if has_myanmar(chunk):
                keys.extend(burmese_syllable_key(s) for s in _burmese_syllables(chunk))
            else:
                keys.extend(k for _, k in latin_syllables(chunk))
    keys = [k for k in keys if k]
    return tuple(strip_honorifics(keys)) if keys else ()


@lru_cache(maxsize=1 << 18)
def latin_word_keys(word: str) -> tuple[str, ...]:
    """The syllable keys of one whitespace-free Latin token."""
    return tuple(k for _, k in _word_syllables(word))


def latin_name_key(text: str, word_keys: Callable[[str], tuple[str, ...]] = latin_word_keys) -> Key:
    """`name_key` of a name without Burmese letters in its first
    `MAX_NAME_CHARS`; `word_keys` may look up keys computed elsewhere (a
    batch reads each distinct word once, not once per process)."""
    keys = [k for word in text[:MAX_NAME_CHARS].split() for k in word_keys(word) if k]
    return tuple(strip_honorifics(keys)) if keys else ()


def name_spellings(text: str) -> list[tuple[str, str]]:
    """(spelling, key) of each syllable, honorifics dropped, for explanations.

    Latin names keep their typed spellings; Burmese syllables are spelt as
    typed (after Zawgyi conversion).
    """
    text = text[:MAX_NAME_CHARS]
    pairs: list[tuple[str, str]] = []
    if has_myanmar(text):
        text = to_unicode(_digits_as_letters(text))
        for chunk in re.split("([\u1000-\u109f]+)", text):
            if has_myanmar(chunk):
                pairs.extend((s, burmese_syllable_key(s)) for s in _burmese_syllables(chunk))
            elif chunk:
                pairs.extend(latin_syllables(chunk))
    else:
        pairs = latin_syllables(text)
    pairs = [p for p in pairs if p[1]]
    kept = strip_honorifics([k for _, k in pairs])
    return pairs[len(pairs) - len(kept) :] if kept else []


@lru_cache(maxsize=1 << 16)
def coarse_text(text: str) -> str:
    """A key text with the rhymes ``e`` and ``i`` merged.

    ည် is romanised both ways (ကြည် ``Kyi``, ပြည့် ``Pyae``/``Pyi``), and
    ``ay``/``ee`` are confused in typing: a coarse match is a near match.
    """
    return " ".join(s[:-1] + "i" if s.endswith("e") else s for s in text.split())


def key_text(key: Key) -> str:
    """A key as one string (``kyaw zin tet``), for fuzzy comparison."""
    return " ".join(key)
