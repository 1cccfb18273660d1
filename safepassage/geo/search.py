"""The in-process township name index behind `selectors.township_search`.

358 townships, a few names each: the whole index is a few thousand short
strings, built once per process from the database and scanned with
rapidfuzz on every query (tens of microseconds; docs/benchmarks.md).

Each township is indexed under:
- its English name and aliases: the name with and without a bracketed
  part ("Pangsang (Panghkam)" -> "Pangsang", "Panghkam"), direction forms
  ("Dagon Myothit (South)" -> "South Dagon"), and the common or colonial
  names people still use (`ALIASES`);
- its Burmese name (Unicode) with and without the bracketed part and the
  word for township, and the Zawgyi spelling as stored (so input that the
  converter leaves as typed still matches).

Latin keys are casefolded letters and digits only (spaces, hyphens and
punctuation dropped), plus a *romanisation key* that forgets what
romanisations of Burmese disagree on: the aspiration `h` (Hpa-An / Pa-An,
Hsipaw / Sipaw), `oo` / `u` (Pyin Oo Lwin / Pyin U Lwin), the `r` after a
long `a` (Hlaing Thar Yar / Hlaingtharya) and doubled letters.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from safepassage.language import digits_to_ascii

MYANMAR_CLASS = "\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff"
_MYANMAR_RE = re.compile(f"[{MYANMAR_CLASS}]")
_NOT_MYANMAR_KEY = re.compile(f"[^{MYANMAR_CLASS}0-9]")
_BRACKETED = re.compile(r"^(?P<base>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*$")
_LATIN_TOKEN = re.compile(r"[a-z0-9]+")
_DOUBLED = re.compile(r"(.)\1+")
_LONG_A_R = re.compile(r"ar(?![aeiou])")
PCODE_RE = re.compile(r"MMR\d{3}\d{3}", re.ASCII)

# Words that describe the place rather than name it.
_LATIN_NOISE = frozenset(
    {
        *("township", "tsp", "tshp", "twp", "ts", "town", "sub", "subtownship"),
        *("myoma", "myonei", "myone", "region"),
    }
)
_DIRECTIONS = frozenset({"east", "west", "north", "south"})
# "township", "sub-township", "town" in Unicode and in Zawgyi (both
# spellings of the dot below).
_BURMESE_SUFFIXES = (
    "မြို့နယ်ခွဲ",
    "မြို့နယ်",
    "မြို့",
    "ၿမိဳ႕နယ္ခြဲ",
    "ၿမိဳ႔နယ္ခြဲ",
    "ၿမိဳ႕နယ္",
    "ၿမိဳ႔နယ္",
    "ၿမိဳ႕",
    "ၿမိဳ႔",
)

# Names in common use that the MIMU list does not give (colonial names
# still on old documents and in the diaspora, and frequent spellings).
ALIASES: dict[str, tuple[str, ...]] = {
    "MMR010008": ("Maymyo", "Pyin Oo Lwin"),
    "MMR008007": ("Tharrawaddy",),
    "MMR011001": ("Moulmein", "Mawlamyaing"),
    "MMR017001": ("Bassein",),
    "MMR012001": ("Akyab",),
    "MMR008001": ("Prome",),
    "MMR007009": ("Toungoo",),
    "MMR006001": ("Tavoy",),
    "MMR006005": ("Mergui",),
    "MMR007001": ("Pegu",),
    "MMR005027": ("Kalay", "Kalemyo"),
    "MMR016001": ("Kyaingtong", "Keng Tung"),
    "MMR004002": ("Haka",),
    "MMR012015": ("Sandoway",),
    "MMR006009": ("Victoria Point", "Kawthaung"),
    "MMR004004": ("Tiddim",),
    "MMR013041": ("Kamayut",),
    "MMR005016": ("Yinmabin",),
    "MMR013042": ("Mayangon",),
}

FUZZY_CUTOFF = 72.0
MIN_FUZZY_CHARS = 3
MAX_QUERY_CHARS = 200

# Scores by how a key matched; primary names outrank aliases.
SCORE_EXACT = 100.0
SCORE_ALIAS_EXACT = 97.0
SCORE_ROMANISATION = 95.0
SCORE_ALIAS_ROMANISATION = 93.0
ALIAS_FACTOR = 0.97
SCORE_FUZZY_MAX = 92.0
SCORE_PREFIX_BASE = 78.0
MIN_PREFIX_CHARS = 4


@dataclass(frozen=True, slots=True)
class IndexedTownship:
    pcode: str
    name_en: str
    name_my: str
    district_en: str
    state_en: str


@dataclass(frozen=True, slots=True)
class Hit:
    position: int
    score: float
    exact: bool
    matched: str


@dataclass(frozen=True, slots=True)
class _Keys:
    """Parallel tuples: key text, township position, primary?, shown name."""

    keys: tuple[str, ...]
    positions: tuple[int, ...]
    primary: tuple[bool, ...]
    shown: tuple[str, ...]
    exact: dict[str, tuple[int, ...]]
    # (key, i) sorted by key: a bisect finds every key a query begins.
    ordered: tuple[tuple[str, int], ...]


def latin_key(text: str) -> str:
    """Casefolded ASCII letters and digits, descriptive words dropped."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(t for t in _LATIN_TOKEN.findall(plain) if t not in _LATIN_NOISE)


def romanisation_key(key: str) -> str:
    """A `latin_key` with the usual romanisation differences forgotten."""
    key = key.replace("h", "").replace("oo", "u")
    key = _LONG_A_R.sub("a", key)
    return _DOUBLED.sub(r"\1", key)


def burmese_key(text: str) -> str:
    """Myanmar letters and digits only (digits as ASCII), suffix dropped."""
    key = digits_to_ascii(_NOT_MYANMAR_KEY.sub("", text))
    for suffix in _BURMESE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def has_myanmar(text: str) -> bool:
    return _MYANMAR_RE.search(text) is not None


def _bracket_variants(name: str) -> list[str]:
    """The name, its base and bracketed part, and direction forms."""
    match = _BRACKETED.match(name)
    if match is None:
        return [name]
    base, inner = match["base"].strip(), match["inner"].strip()
    variants = [name, base]
    inner_words = {w.casefold() for w in inner.split()}
    if inner_words & _DIRECTIONS:
        variants.append(f"{inner} {base}")
    elif inner and not inner_words & {"kokang", "saz", "sad", "wa"} and not has_myanmar(inner):
        variants.append(inner)
    if base.casefold().endswith(" myothit"):
        short = base[: -len(" myothit")]
        variants += [f"{inner} {short}", f"{short} {inner}"]
    return variants


def english_names(name_en: str, pcode: str) -> list[tuple[str, bool]]:
    """(name, is_primary) pairs to index for one township."""
    names = [(name_en, True)]
    names += [(v, False) for v in _bracket_variants(name_en)[1:]]
    names += [(a, False) for a in ALIASES.get(pcode, ())]
    return names


def burmese_names(name_my: str, name_my_zawgyi: str) -> list[tuple[str, bool]]:
    names = [(name_my, True)]
    names += [(v, False) for v in _bracket_variants(name_my)[1:]]
    if name_my_zawgyi:
        names.append((name_my_zawgyi, True))
        names += [(v, False) for v in _bracket_variants(name_my_zawgyi)[1:]]
    return names


def _build_keys(entries: list[tuple[str, int, bool, str]]) -> _Keys:
    seen: dict[tuple[str, int], int] = {}
    keys: list[str] = []
    positions: list[int] = []
    primary: list[bool] = []
    shown: list[str] = []
    for key, position, is_primary, name in entries:
        if not key:
            continue
        at = seen.get((key, position))
        if at is not None:
            primary[at] = primary[at] or is_primary
            continue
        seen[(key, position)] = len(keys)
        keys.append(key)
        positions.append(position)
        primary.append(is_primary)
        shown.append(name)
    exact: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        exact.setdefault(key, []).append(i)
    return _Keys(
        tuple(keys),
        tuple(positions),
        tuple(primary),
        tuple(shown),
        {k: tuple(v) for k, v in exact.items()},
        tuple(sorted((k, i) for i, k in enumerate(keys))),
    )


class TownshipIndex:
    """Immutable once built; safe to share between threads."""

    def __init__(self, rows: list[tuple[IndexedTownship, str]]) -> None:
        from safepassage.language import normalize_text

        self.townships = tuple(t for t, _ in rows)
        self.by_pcode = {t.pcode: i for i, t in enumerate(self.townships)}
        latin: list[tuple[str, int, bool, str]] = []
        roman: list[tuple[str, int, bool, str]] = []
        burmese: list[tuple[str, int, bool, str]] = []
        for position, (township, zawgyi) in enumerate(rows):
            for name, is_primary in english_names(township.name_en, township.pcode):
                key = latin_key(name)
                latin.append((key, position, is_primary, name))
                roman.append((romanisation_key(key), position, is_primary, name))
            for name, is_primary in burmese_names(township.name_my, zawgyi):
                burmese.append((burmese_key(name), position, is_primary, name))
                converted = normalize_text(name)
                if converted != name:
                    burmese.append((burmese_key(converted), position, is_primary, name))
        self.latin = _build_keys(latin)
        self.roman = _build_keys(roman)
        self.burmese = _build_keys(burmese)

    def search(self, query: str, limit: int) -> list[Hit]:
        from safepassage.language import normalize_text

        query = query[:MAX_QUERY_CHARS]
        best: dict[int, Hit] = {}
        pcode = query.strip().upper()
        if PCODE_RE.fullmatch(pcode) and pcode in self.by_pcode:
            _keep(best, Hit(self.by_pcode[pcode], SCORE_EXACT, True, pcode))
        parts = [p for p in re.split(r"[,;/|\n]", query) if p.strip()]
        if len(parts) > 1:
            parts.insert(0, query)
        for part in parts[:8]:
            key = latin_key(part)
            if key:
                self._score(best, self.latin, key, SCORE_EXACT, SCORE_ALIAS_EXACT, 1.0)
                self._score(
                    best,
                    self.roman,
                    romanisation_key(key),
                    SCORE_ROMANISATION,
                    SCORE_ALIAS_ROMANISATION,
                    0.97,
                    exact_flag=False,
                )
            if has_myanmar(part):
                for variant in {part, normalize_text(part)}:
                    bkey = burmese_key(variant)
                    if bkey:
                        self._score(best, self.burmese, bkey, SCORE_EXACT, SCORE_ALIAS_EXACT, 1.0)
        hits = sorted(
            best.values(),
            key=lambda h: (not h.exact, -h.score, self.townships[h.position].name_en),
        )
        return hits[:limit]

    def _score(
        self,
        best: dict[int, Hit],
        keys: _Keys,
        key: str,
        exact_score: float,
        alias_exact_score: float,
        factor: float,
        *,
        exact_flag: bool = True,
    ) -> None:
        for i in keys.exact.get(key, ()):
            score = exact_score if keys.primary[i] else alias_exact_score
            _keep(best, Hit(keys.positions[i], score, exact_flag, keys.shown[i]))
        if len(key) < MIN_FUZZY_CHARS:
            return
        for _choice, ratio, i in process.extract(
            key, keys.keys, scorer=fuzz.ratio, limit=None, score_cutoff=FUZZY_CUTOFF
        ):
            score = ratio * factor * (1.0 if keys.primary[i] else ALIAS_FACTOR)
            _keep(best, Hit(keys.positions[i], min(score, SCORE_FUZZY_MAX), False, keys.shown[i]))
        if len(key) >= MIN_PREFIX_CHARS:
            # Someone still typing: the start of a name is a strong hint.
            at = bisect.bisect_left(keys.ordered, (key, -1))
            while at < len(keys.ordered) and keys.ordered[at][0].startswith(key):
                choice, i = keys.ordered[at]
                score = SCORE_PREFIX_BASE + 10.0 * len(key) / len(choice)
                score *= 1.0 if keys.primary[i] else ALIAS_FACTOR
                _keep(
                    best, Hit(keys.positions[i], min(score, SCORE_FUZZY_MAX), False, keys.shown[i])
                )
                at += 1


def _keep(best: dict[int, Hit], hit: Hit) -> None:
    current = best.get(hit.position)
    if current is None or (hit.exact, hit.score) > (current.exact, current.score):
        best[hit.position] = hit


_lock = threading.Lock()
_index: TownshipIndex | None = None


def get_index(build: Callable[[], TownshipIndex]) -> TownshipIndex:
    """The process-wide index, built by `build()` on first use.

    An empty result is not cached (a database not migrated yet, or a test
    that emptied the table), so the next call tries again.
    """
    global _index
    index = _index
    if index is not None:
        return index
    with _lock:
        if _index is None:
            built = build()
            if built.townships:
                _index = built
            return built
        return _index


def clear_index() -> None:
    """Forget the index (tests; after a migration changes names)."""
    global _index
    with _lock:
        _index = None
