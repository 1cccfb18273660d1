"""Held-out labelled lists of people in Myanmar, written blind to the matcher.

An independent generator for judging ``manage.py dedupe_csv`` on data it
was not tuned on. It imitates an *inherited programme spreadsheet*: several
partner lists, typed by different people over ten years, pasted into one
sheet. Every name, date, phone and card number is invented (syllables
combined at random, random digits); no real person is described.

Usage::

    .venv/bin/python bench/screening/heldout.py --rows 200000 --seed 1 \\
        --out var/bench/heldout-200000-1

writes ``people.csv`` (``id,name,name_my,father_name,date_of_birth,nrc,
phone,township``) and ``labels.csv`` (``id,person``: one value per real
person) in UTF-8. The output depends only on ``--rows``, ``--seed``, the
reference files read below and ICU's ``my-Zawgyi`` transform.

The troubles it contains
------------------------
* **No surnames, few syllables.** Bamar names are 1-4 syllables drawn with
  Zipf-like weights from ~80 syllables (sex-leaning), with reduplication
  (``Thin Thin Aye``). Karen, Shan and Kachin names (by township's state)
  mix their own syllables with Bamar ones; Kachin names lead with one of
  five clan names, which behave like shared surnames.
* **Namesakes.** Besides chance collisions (at 200,000 rows about half of
  all people share their Burmese name with someone else), 8% of household
  founders (~6% of people) are deliberately given the name of an earlier
  person of the same sex, 65% of them in the same township, 20% also born
  the same year, 5% also with the same father's name. Siblings (same
  father, same township, 30% sharing a syllable) and spouses (same
  township) are *different people* who look alike; 50% of household
  members share the previous member's phone. All are labelled apart.
* **Honorifics come and go** and follow age at registration: U/Ko/Maung
  (Mg, Mg.) for men, Daw/Ma for women, Saw/Naw for Karen, Sai/Nang (Nan)
  for Shan; the Ko/U switch drifts between 28 and 45, so one person can be
  "Ko" in 2016 and "U" in 2023. ``Ma`` is also a name syllable (``Mar``).
* **Romanisation.** Each syllable has 1-4 spellings (Aung/Aong/Aun,
  Kyaw/Kyao, Htun/Tun, Pyae/Pye, Khaing/Khine, Zeyar/Zeya/Zay Yar, ...).
  A person has a habitual spelling per syllable (the usual one 63-74%,
  weights 1 : 0.35 : 0.15 : 0.08); a registration uses it 75% of the time
  (father: 70%), else a clerk's pick with the same weights. Different
  syllables share spellings (စု/ဆု both "Su", စံ/ဆန်း both "San").
* **Spacing and case.** Per source: spaces vanish ("ZeyarHtetSan",
  "zeyarhtetsan"), two syllables fuse ("Zeyar Htetsan"); UPPER, lower;
  double, leading, trailing and no-break spaces.
* **Typos.** 2-10% of Latin names per source get one edit (drop, double,
  swap, keyboard neighbour, vowel swap), twice that for Karen, Shan and
  Kachin names; 1.5% of names of 3+ syllables lose one. Burmese text gets
  a ZERO WIDTH SPACE (1.5%), the digit ``၀`` for the letter ``ဝ`` (1.5%),
  a lost asat or dot below (1%) or a trailing space (1.5%).
* **Burmese script** arrives in Unicode or in Zawgyi (ICU ``my-Zawgyi``;
  townships use the CSV's own Zawgyi column), per source 5-90% (about
  half of all Burmese names); with or without spaces between syllables.
  About 0.4% of rows put the Burmese name in the Latin ``name`` column.
* **Dates of birth.** 75% of people know their full date, 20% only the
  year (rendered as the year, or 1 January), 5% none (blank or an
  estimated year within +-3 that differs between registrations). Formats
  per source: 1990-03-05, 1990-03-05 00:00:00, 5/3/1990, 05/03/1990,
  3/5/1990 (month first: day and month swapped), 05.03.1990, 05-03-1990,
  5 Mar 1990, 05-Mar-1990, March 5, 1990, 05/03/90, year alone, Excel
  serial numbers; Burmese digits per source (0-50%). 2.5% of full dates
  carry an entry error (day or month off, year +-1, decade slip).
* **NRC.** 60% of adults and 25% of 10-17 year-olds hold a card, shown
  only from age 10. State = the home township's (85%), township code from
  the mm-nric list (home township's own code 70% where known). Type N 93%,
  E 3%, P 2%, T 1% (men), Y 1%. Latin: ``12/LaMaNa(N)123456``,
  ``12/LAMANA(N)123456``, ``12/LMN(N)123456``, ``(Naing)``, missing slash,
  spaces, alternative consonant spellings (Hsa/Sa, Hta/Tha, Ah/A, Ra/Ya);
  Burmese: ``၁၂/လမန(နိုင်)၁၂၃၄၅၆`` (Unicode or Zawgyi; ASCII digits 15%).
  2% one wrong digit, 3% type dropped.
* **Phones.** 80% of people aged 16+ have a mobile of their own (3% of
  numbers Thai: +66..., 66..., or a bare 0... that reads as Myanmar);
  under-16s have only a shared household phone. Numbers change as a
  Poisson process, a new SIM every ~4 years on average, so later rows
  often carry a new number. Formats per source: 09..., +959..., 959...,
  9... (leading zero lost in Excel), spaces, dashes, +95 9 ..., Burmese
  digits; 2% one wrong digit; 1.5% two numbers in one cell.
* **Townships** as MIMU code (upper or lower case), English name (with
  "Township"/"Tsp", upper/lower, split in two, typos) or Burmese name
  (Unicode or Zawgyi, optionally with မြို့နယ်). 25% of people with two or
  more registrations are displaced once, at a random time in 2016-2024
  (60% within the district, 30% within the state, 10% anywhere); rows
  after that show the new township 85% of the time.
* **Missing values** are empty or a placeholder ("-", "N/A", "n/a",
  "nil", "None", "မရှိ"), placeholders 5-30% of missing cells per source;
  3% of missing phones are "0". Every row has a name in at least one of
  ``name``/``name_my``.
* **Copies.** 40% of repeats in the same source are a clerk's copy of the
  previous row (30% exact, else one field retyped or blanked).

Rates chosen (my own, documented here)
--------------------------------------
* Registrations per person: 1: 58%, 2: 22%, 3: 10%, 4: 5%, 5: 2.5%,
  6-10 (uniform): 2.5% (mean ~1.8; the last person is cut to hit --rows).
* Households: 25% of people join the previous household (sibling 70%,
  spouse 30%), up to six members.
* Six sources with their own styles (see `SOURCES`); a repeat registration
  stays in the previous source 35% of the time.
* Field presence per source: Latin name 55-100%, Burmese name 10-95%,
  father 20-80%, date of birth 50-90%, NRC (if held) 20-75%, phone (if
  any) 60-100%, township 70-100%.

Rows are written source by source (a pasted sheet), shuffled within each
source; ids are ``<source>-<serial>`` and say nothing about the person.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import itertools
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIPS_CSV = ROOT / "safepassage" / "geo" / "data" / "townships.csv"
NRC_JSON = ROOT / "safepassage" / "language" / "data" / "nrc_township_codes_mm-nric_ISC.json"
HEADER = ["id", "name", "name_my", "father_name", "date_of_birth", "nrc", "phone", "township"]
LAST_YEAR = 2025

# --------------------------------------------------------------------------
# Names: "burmese latin1|latin2|... sex weight" (sex M, F or U for either).

BAMAR = """
အောင် Aung|Aong|Aun M 10
ကျော် Kyaw|Kyao|Kyawe|Kyoe M 9
ထွန်း Htun|Tun|Htoon|Tunn M 6
ဇော် Zaw|Zawe|Zor M 6
မင်း Min|Minn|Ming M 8
မျိုး Myo|Myoe|Myoh M 5
ဝင်း Win|Winn|Wynn U 7
နိုင် Naing|Nai|Naine|Nyne M 6
စိုး Soe|So|Soo M 5
ထက် Htet|Htett|Tet U 5
ဇေယျာ Zeyar|Zeya|Zay Yar|Zayyar M 3
ရဲ Ye|Yell|Yae M 4
ပိုင် Paing|Pai|Paine M 3
ဖြိုး Phyo|Pyo|Phyoe U 4
ကောင်း Kaung|Kaungg M 3
သူရ Thura|Thu Ra|Thurah M 2
ဟိန်း Hein|Hain|Hane M 3
ထူး Htoo|Htu|Too M 3
လင်း Lin|Linn|Lynn U 5
ခန့် Khant|Khan|Khannt M 3
ဝေ Wai|Way|Wei|We U 4
ရန် Yan|Yann M 4
သန့် Thant|Than|Thandt M 3
ဘ Ba|Bha M 1
သိန်း Thein|Thain|Thane M 3
လွင် Lwin|Lwinn|Lwyn U 3
ညွန့် Nyunt|Nyun|Nyunnt U 2
တင် Tin|Tinn|Tint U 4
သန်း Than|Thann U 4
ချစ် Chit|Chitt U 3
ဆန်း Hsan|San|Shan U 2
စံ San|Sann|Sam U 3
မြတ် Myat|Myatt|Mrat U 4
နေ Nay|Nei|Ne|Nae U 4
သက် Thet|Thett|Thek U 4
ဇင် Zin|Zinn|Zing U 3
မောင် Maung|Mg|Mung M 2
ကို Ko|Koe M 2
ဦး Oo|U|Ooo U 2
သော် Thaw|Thor U 2
စစ် Sit|Sitt|Sith M 2
ငြိမ်း Nyein|Nyain|Nyien|Nyane U 4
မြင့် Myint|Myin|Mying|Myintt U 5
ရှိန်း Shein|Shain M 1
ဇွန် Zun|Zune|Zoon F 2
ခိုင် Khaing|Khine|Khaine F 6
ခင် Khin|Khinn|Khing F 8
သီရိ Thiri|Thi Ri|Theri F 3
နီလာ Nilar|Nila|Ni Lar F 2
စု Su|Suu|Soo F 5
ဆု Hsu|Su|Hsuu F 3
ဖြူ Phyu|Phyue|Pyu|Phyuu F 4
မြ Mya|Myah F 5
စန္ဒာ Sandar|Sanda|San Dar F 3
နှင်း Hnin|Hninn|Nhin|Hning F 6
ဝင့် Wint|Wink|Winte F 2
ရတနာ Yadanar|Yadana|Ya Da Nar F 2
မေ May|Mae|Me|Mey F 5
သင်း Thin|Thinn|Thing F 4
သန္တာ Thandar|Thanda|Than Dar F 2
ချို Cho|Chyo|Chou F 4
နွယ် Nwe|Nway|Nwel|Nwae F 4
ဌေး Htay|Htey|Hte|Htae U 3
အိ Ei|Ae|E|Eii F 4
ယမင်း Yamin|Ya Min|Yamyin F 2
သဇင် Thazin|Tha Zin|Thazinn F 2
သီတာ Thidar|Thida|Thi Dar F 2
ယဉ် Yin|Yinn|Yinh F 3
ဇာ Zar|Za F 2
နီ Ni|Nee F 2
ပြည့် Pyae|Pye|Pyai|Pyay U 4
ဖူး Phoo|Phu|Pu F 2
ပန်း Pan|Pann F 3
လဲ့ Lae|Lei|Le F 2
ရီ Yi|Yee F 2
ကြည် Kyi|Kyee|Kyii|Chi U 3
မိုး Moe|Mo|Moh U 5
သူ Thu|Thuu|Thue U 4
လှ Hla|Hlaa|Hlar U 4
ရွှေ Shwe|Shwae|Shway U 2
အုန်း Ohn|Ohnn|One|Ohm U 2
စိန် Sein|Sain|Sane U 2
ထား Htar|Hta|Thar|Htarr F 3
အေး Aye|Ae|Eye U 4
ကေ Kay|Kae|Kei F 2
သီ Thi|Thee F 2
မာ Mar|Ma F 2
ထွေး Htwe|Htway|Htwae F 3
ဆွေ Hswe|Swe|Hsway U 2
"""

KAREN = """
အယ် Eh|Ae U 5
ထူး Htoo|Htu|Too U 4
မူ Moo|Mu U 3
ပေါ Paw|Paww F 3
ဆာ Hser|Hsar|Ser U 3
စေး Say|Sae U 2
ဝါး Wah|Wa M 2
ဂေ Gay|Gae U 2
ဘလူ Blu|Bu Lu|Bluu U 2
လာ Lah|Lar|La U 3
ဒိုး Doh|Do M 2
ခူ Khu|Ku M 2
ဘွဲ Bwe|Bway U 1
"""

SHAN = """
ခမ်း Kham|Khan|Kam U 5
ဆိုင် Hseng|Seng|Saing U 4
ဟွမ် Hom|Hum|Horm U 3
ဝမ်း Wan|Wann U 3
နွမ် Noom|Nom|Num F 3
လူ Lu|Loo U 2
ပုံ Pon|Pone M 2
မိုင် Maing|Mai|Mine U 2
လိတ် Leik|Lake|Lait M 2
ယွန်း Yone|Yon|Yun F 2
"""

KACHIN = """
ဇော် Zau|Zaw M 4
ဂမ် Gam|Gum M 3
ဘရန် Brang|Bran M 3
ဆိုင်း Seng|Hseng U 4
ဂျာ Ja|Jar F 3
လု Lu|Luu F 2
ရွိုင် Roi|Roy F 2
တူ Tu|Htu F 2
ခေါင် Hkawng|Khaung|Hkawn F 3
ရော် Raw|Ro U 2
နု Nu|Noo F 2
အောင် Awng|Aung M 3
နော် Naw|Nau M 2
တန် Tang|Tan M 2
"""

KACHIN_CLANS = """
မရန် Maran|Marang U 5
လဖိုင် Lahpai|Lapai|La Hpai U 4
လထော် Lahtaw|Lataw U 3
အင်ခွမ် Nhkum|N'Hkum|Nkhum U 3
မရစ် Marip|Ma Rip U 2
"""


@dataclass(frozen=True)
class Syllable:
    my: str
    latin: tuple[str, ...]
    sex: str
    weight: float


def _parse_syllables(table: str) -> list[Syllable]:
    out = []
    for line in table.strip().splitlines():
        my, rest = line.split(" ", 1)
        latin, sex, weight = rest.rsplit(" ", 2)  # spellings may contain spaces
        out.append(Syllable(my, tuple(latin.split("|")), sex, float(weight)))
    return out


class SyllableBag:
    """Weighted draws of syllables by sex (opposite-sex ones almost never)."""

    def __init__(self, syllables: list[Syllable]) -> None:
        self.syllables = syllables
        self.cum: dict[str, list[float]] = {}
        for sex in "MF":
            total, cum = 0.0, []
            for s in syllables:
                total += s.weight * (1.0 if s.sex == sex else 0.7 if s.sex == "U" else 0.03)
                cum.append(total)
            self.cum[sex] = cum

    def draw(self, rng: random.Random, sex: str) -> Syllable:
        cum = self.cum[sex]
        return self.syllables[bisect.bisect(cum, rng.random() * cum[-1])]


BAGS = {
    "bamar": SyllableBag(_parse_syllables(BAMAR)),
    "karen": SyllableBag(_parse_syllables(KAREN)),
    "shan": SyllableBag(_parse_syllables(SHAN)),
    "kachin": SyllableBag(_parse_syllables(KACHIN)),
}
CLANS = _parse_syllables(KACHIN_CLANS)

# Honorifics: kind -> (Latin spellings with weights, Burmese).
HONORIFICS: dict[str, tuple[tuple[tuple[str, float], ...], str]] = {
    "U": ((("U", 0.85), ("U.", 0.12), ("Oo", 0.03)), "ဦး"),
    "Ko": ((("Ko", 0.95), ("Ko.", 0.05)), "ကို"),
    "Maung": ((("Maung", 0.55), ("Mg", 0.3), ("Mg.", 0.15)), "မောင်"),
    "Daw": ((("Daw", 0.9), ("Daw.", 0.07), ("Dw", 0.03)), "ဒေါ်"),
    "Ma": ((("Ma", 0.95), ("Ma.", 0.05)), "မ"),
    "Saw": ((("Saw", 0.95), ("Saw.", 0.05)), "စော"),
    "Naw": ((("Naw", 0.95), ("Nau", 0.05)), "နော်"),
    "Sai": ((("Sai", 0.95), ("Sai.", 0.05)), "စိုင်း"),
    "Nang": ((("Nang", 0.6), ("Nan", 0.4)), "နန်း"),
}

# --------------------------------------------------------------------------
# Places and NRC codes.

# MIMU state code -> NRC state number (Nay Pyi Taw cards carry Mandalay's 9).
NRC_STATE = dict(
    zip(
        (f"MMR{i:03d}" for i in range(1, 19)),
        (1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11, 12, 13, 13, 13, 14, 9),
        strict=True,
    )
)
# A humanitarian programme's caseload, by state: conflict areas and Yangon.
STATE_WEIGHT = dict(
    zip(
        (f"MMR{i:03d}" for i in range(1, 19)),
        (7, 4, 10, 4, 14, 3, 3, 2, 5, 6, 4, 6, 14, 6, 7, 2, 4, 1),
        strict=True,
    )
)
# Share of people of each naming tradition, by state.
ETHNIC_MIX = {
    "MMR001": {"kachin": 0.5, "shan": 0.1},
    "MMR003": {"karen": 0.6},
    "MMR006": {"karen": 0.2},
    "MMR007": {"karen": 0.12},
    "MMR011": {"karen": 0.15},
    "MMR013": {"karen": 0.05, "shan": 0.02},
    "MMR014": {"shan": 0.5, "karen": 0.05},
    "MMR015": {"shan": 0.6, "kachin": 0.05},
    "MMR016": {"shan": 0.55},
    "MMR017": {"karen": 0.15},
}

_NRC_LATIN = (
    "က=Ka ခ=Kha ဂ=Ga ဃ=Ga င=Nga စ=Sa ဆ=Hsa|Sa|Sha ဇ=Za ဈ=Za ည=Nya ဋ=Ta ဌ=Hta ဍ=Da ဎ=Da ဏ=Na "
    "တ=Ta ထ=Hta|Tha ဒ=Da ဓ=Da န=Na ပ=Pa ဖ=Pha|Pa ဗ=Ba ဘ=Ba|Bha မ=Ma ယ=Ya ရ=Ya|Ra လ=La ဝ=Wa "
    "သ=Tha|Sa ဟ=Ha ဠ=La အ=A|Ah|Aa ဥ=Oo|U"
)
#: Latin spellings of the consonants of NRC township codes, usual one first.
NRC_LATIN = {
    letter: tuple(spellings.split("|"))
    for letter, spellings in (item.split("=") for item in _NRC_LATIN.split())
}
NRC_TYPES = (("N", 0.93, "နိုင်"), ("E", 0.03, "ဧည့်"), ("P", 0.02, "ပြု"), ("T", 0.01, "သ"))
NRC_TYPES_Y = ("Y", "ယာယီ")
NRC_TYPE_MY = {"N": "နိုင်", "E": "ဧည့်", "P": "ပြု", "T": "သ", "Y": "ယာယီ"}

MY_DIGITS = str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")


@dataclass
class Township:
    pcode: str
    district: str
    state: str
    en: str
    my: str
    my_zawgyi: str
    nrc_code: str | None = None


@dataclass
class Places:
    townships: list[Township]
    cum: list[float]
    by_district: dict[str, list[int]]
    by_state: dict[str, list[int]]
    nrc_codes: dict[int, list[str]]

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect(self.cum, rng.random() * self.cum[-1])


def load_places(seed: int) -> Places:
    with TOWNSHIPS_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    townships = [
        Township(
            r["township_pcode"],
            r["district_pcode"],
            r["state_pcode"],
            r["township_en"],
            r["township_my"],
            r["township_my_zawgyi"],
        )
        for r in rows
    ]
    codes: dict[int, list[str]] = defaultdict(list)
    by_name: dict[tuple[int, str], str] = {}
    for r in json.loads(NRC_JSON.read_text(encoding="utf-8")):
        mm, full = r["mm"], r["fullMm"]
        if not all("\u1000" <= c <= "\u1021" or c == "ဥ" for c in mm):
            mm, full = full, mm  # one row has the two fields swapped
        if not all("\u1000" <= c <= "\u1021" or c == "ဥ" for c in mm):
            continue
        if mm not in codes[r["code"]]:
            codes[r["code"]].append(mm)
        by_name.setdefault((r["code"], full), mm)
    for t in townships:
        t.nrc_code = by_name.get((NRC_STATE[t.state], t.my))
    # Township weights: the state's share, Zipf-like within the state in an
    # order fixed by the seed (some townships hold most of the caseload).
    prng = random.Random(f"places-{seed}")
    by_state: dict[str, list[int]] = defaultdict(list)
    by_district: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(townships):
        by_state[t.state].append(i)
        by_district[t.district].append(i)
    weight = [0.0] * len(townships)
    for state, idx in by_state.items():
        order = idx[:]
        prng.shuffle(order)
        raw = [1.0 / (rank + 1) ** 0.9 for rank in range(len(order))]
        total = sum(raw)
        for i, w in zip(order, raw, strict=True):
            weight[i] = STATE_WEIGHT[state] * w / total
    cum, acc = [], 0.0
    for w in weight:
        acc += w
        cum.append(acc)
    return Places(townships, cum, dict(by_district), dict(by_state), dict(codes))


# --------------------------------------------------------------------------
# Zawgyi.


def _zawgyi_transform() -> Any:
    try:
        import icu
    except ImportError:
        sys.exit("heldout.py needs PyICU (ICU's my-Zawgyi transform): run `make install`.")
    return icu.Transliterator.createInstance("my-Zawgyi")


_TO_ZAWGYI = _zawgyi_transform()


@cache
def to_zawgyi(text: str) -> str:
    return str(_TO_ZAWGYI.transliterate(text))


# --------------------------------------------------------------------------
# Sources: partner lists merged into the sheet, each typed its own way.


@dataclass(frozen=True)
class Source:
    prefix: str
    weight: float
    years: tuple[int, int]
    latin: float  # Latin name present
    burmese: float  # Burmese name present
    zawgyi: float  # Burmese text typed in Zawgyi
    upper: float
    lower: float
    nospace: float
    honorific: float
    typo: float
    father: float
    father_my: float  # father's name in Burmese script rather than Latin
    dob: float
    dob_formats: dict[str, float]
    my_digits: float  # dates in Burmese digits
    nrc: float
    nrc_my: float  # NRC in Burmese script
    phone: float
    phone_formats: dict[str, float]
    township: float
    township_formats: dict[str, float]
    placeholder: float  # missing cells written as "-", "N/A", ...


PHONE_PLAIN = {"09": 0.6, "+959": 0.1, "959": 0.06, "9": 0.08, "09 sp": 0.08, "09-": 0.04}
PHONE_INTL = {"09": 0.3, "+959": 0.35, "+95 9 sp": 0.15, "959": 0.15, "09 sp": 0.05}
PHONE_SPOKEN = {"09": 0.3, "09 sp": 0.35, "09-": 0.15, "+959": 0.1, "959": 0.1}

SOURCES = (
    # An English-speaking head office's Excel sheet, 2016-2019.
    Source(
        prefix="HQ", weight=0.2, years=(2016, 2019),
        latin=0.98, burmese=0.15, zawgyi=0.1, upper=0.1, lower=0.02, nospace=0.05,
        honorific=0.45, typo=0.04, father=0.55, father_my=0.0,
        dob=0.85,
        dob_formats={"dmy": 0.45, "iso": 0.1, "mdy": 0.1, "dmon": 0.15, "year": 0.15,
                     "excel": 0.05},
        my_digits=0.0, nrc=0.6, nrc_my=0.05, phone=0.8, phone_formats=PHONE_PLAIN,
        township=0.95, township_formats={"en": 0.6, "pcode": 0.35, "my": 0.05}, placeholder=0.1,
    ),
    # A Karen community organisation on the border, Burmese-first, Zawgyi phones.
    Source(
        prefix="KRN", weight=0.15, years=(2017, 2024),
        latin=0.55, burmese=0.9, zawgyi=0.8, upper=0.05, lower=0.05, nospace=0.08,
        honorific=0.7, typo=0.07, father=0.7, father_my=0.6,
        dob=0.75, dob_formats={"dmy": 0.4, "year": 0.35, "dot": 0.15, "dash": 0.1},
        my_digits=0.5, nrc=0.5, nrc_my=0.7, phone=0.7, phone_formats={**PHONE_PLAIN, "my": 0.25},
        township=0.9, township_formats={"en": 0.3, "zawgyi": 0.6, "my": 0.1}, placeholder=0.3,
    ),
    # A UN agency's database export: upper case, ISO dates, place codes.
    Source(
        prefix="UNA", weight=0.25, years=(2021, 2025),
        latin=1.0, burmese=0.5, zawgyi=0.05, upper=0.45, lower=0.0, nospace=0.03,
        honorific=0.35, typo=0.02, father=0.4, father_my=0.1,
        dob=0.9,
        dob_formats={"iso": 0.45, "iso_time": 0.15, "mdy": 0.2, "excel": 0.05, "year": 0.15},
        my_digits=0.0, nrc=0.7, nrc_my=0.3, phone=0.9, phone_formats=PHONE_INTL,
        township=1.0, township_formats={"pcode": 0.85, "en": 0.15}, placeholder=0.05,
    ),
    # Paper forms from a community-based organisation, typed in later.
    Source(
        prefix="CBO", weight=0.15, years=(2019, 2025),
        latin=0.75, burmese=0.7, zawgyi=0.4, upper=0.05, lower=0.1, nospace=0.15,
        honorific=0.6, typo=0.1, father=0.75, father_my=0.4,
        dob=0.7, dob_formats={"year": 0.4, "dot": 0.25, "dmy": 0.2, "dmon": 0.1, "dmy2": 0.05},
        my_digits=0.3, nrc=0.55, nrc_my=0.5, phone=0.6, phone_formats={**PHONE_SPOKEN, "my": 0.15},
        township=0.8, township_formats={"en": 0.4, "my": 0.4, "zawgyi": 0.2}, placeholder=0.3,
    ),
    # A telephone hotline: names as heard, phones always, little else.
    Source(
        prefix="HOT", weight=0.1, years=(2021, 2025),
        latin=0.95, burmese=0.1, zawgyi=0.3, upper=0.02, lower=0.15, nospace=0.12,
        honorific=0.4, typo=0.08, father=0.2, father_my=0.1,
        dob=0.5, dob_formats={"year": 0.6, "dmy": 0.4},
        my_digits=0.0, nrc=0.2, nrc_my=0.2, phone=1.0, phone_formats=PHONE_SPOKEN,
        township=0.7, township_formats={"en": 0.8, "my": 0.2}, placeholder=0.15,
    ),
    # A legacy 2014-2017 database, Burmese typed in Zawgyi.
    Source(
        prefix="LEG", weight=0.15, years=(2014, 2017),
        latin=0.6, burmese=0.95, zawgyi=0.9, upper=0.3, lower=0.0, nospace=0.05,
        honorific=0.55, typo=0.04, father=0.8, father_my=0.7,
        dob=0.9, dob_formats={"dmy": 0.5, "iso": 0.2, "year": 0.2, "excel": 0.1},
        my_digits=0.4, nrc=0.75, nrc_my=0.8, phone=0.65, phone_formats={**PHONE_PLAIN, "my": 0.1},
        township=0.9, township_formats={"zawgyi": 0.6, "pcode": 0.2, "en": 0.2}, placeholder=0.2,
    ),
)  # fmt: skip

PLACEHOLDERS = (("-", 0.35), ("N/A", 0.15), ("n/a", 0.05), ("nil", 0.1), ("None", 0.05))
PLACEHOLDERS_MY = (("မရှိ", 0.5), ("-", 0.5))
_PLACEHOLDER_SET = frozenset(v for v, _ in PLACEHOLDERS + PLACEHOLDERS_MY)


def has_name(row: list[str]) -> bool:
    """Whether `name` or `name_my` (the row's first two cells) holds a name."""
    return any(v.strip() and v not in _PLACEHOLDER_SET for v in row[:2])


def pick(rng: random.Random, weights: dict[str, float] | Sequence[tuple[str, float]]) -> str:
    items = list(weights.items()) if isinstance(weights, dict) else list(weights)
    r = rng.random() * sum(w for _, w in items)
    for value, w in items:
        r -= w
        if r < 0:
            return value
    return items[-1][0]


# --------------------------------------------------------------------------
# People.


@dataclass
class Name:
    syllables: tuple[Syllable, ...]
    habitual: tuple[str, ...]  # the person's own spelling of each syllable
    clan: bool = False  # first syllable is a Kachin clan name


@dataclass
class Person:
    pid: int
    sex: str
    ethnic: str
    name: Name
    father: Name
    birth: dt.date
    precision: str  # "full", "year" or "none"
    township: int
    nrc: tuple[int, str, str, str] | None  # state, code, type, six digits
    phones: list[tuple[float, str]]  # (from year, number), sorted
    household: int
    registrations: int = 1
    moved: tuple[float, int] | None = None  # (year, new township)


#: Relative weight of a syllable's 1st, 2nd, 3rd and 4th spelling.
SPELLING_WEIGHTS = (1.0, 0.35, 0.15, 0.08)


def habitual_spelling(rng: random.Random, s: Syllable) -> str:
    """One spelling of `s`, the usual one most often (63-100%)."""
    n = len(s.latin)
    if n == 1:
        return s.latin[0]
    weights = SPELLING_WEIGHTS[:n]
    r = rng.random() * sum(weights)
    for spelling, w in zip(s.latin, weights, strict=False):
        r -= w
        if r < 0:
            return spelling
    return s.latin[-1]


def make_name(rng: random.Random, sex: str, ethnic: str) -> Name:
    bag = BAGS["bamar"]
    own = BAGS.get(ethnic, bag)
    r = rng.random()
    if ethnic == "kachin":
        n = 2 if r < 0.6 else 1
    else:
        n = 1 if r < 0.03 else 2 if r < 0.38 else 3 if r < 0.88 else 4
    syl: list[Syllable] = []
    share_own = {"karen": 0.6, "shan": 0.5, "kachin": 0.9}.get(ethnic, 1.0)
    while len(syl) < n:
        doubled = len(syl) >= 2 and syl[-1] is syl[-2]
        if syl and not doubled and rng.random() < (0.15 if sex == "F" else 0.07):
            syl.append(syl[-1])  # Thin Thin, Khin Khin, Ko Ko
            continue
        s = (own if rng.random() < share_own else bag).draw(rng, sex)
        if (syl and s is syl[-1]) or (not syl and s.my == "ဦး"):
            continue  # no "U U Tin": ဦး ends names (Myint Oo), it does not start them
        syl.append(s)
    clan = False
    if ethnic == "kachin" and rng.random() < 0.85:
        syl.insert(0, CLANS[bisect.bisect(_CLAN_CUM, rng.random() * _CLAN_CUM[-1])])
        clan = True
    habitual = tuple(habitual_spelling(rng, s) for s in syl)
    return Name(tuple(syl), habitual, clan)


_CLAN_CUM = list(itertools.accumulate(c.weight for c in CLANS))


def respell(rng: random.Random, name: Name) -> Name:
    return Name(name.syllables, tuple(habitual_spelling(rng, s) for s in name.syllables), name.clan)


def birth_date(rng: random.Random) -> dt.date:
    r = rng.random()
    age = rng.uniform(0, 18) if r < 0.3 else rng.uniform(18, 60) if r < 0.9 else rng.uniform(60, 90)
    ordinal = dt.date(LAST_YEAR, 1, 1).toordinal() - int(age * 365.25)
    return dt.date.fromordinal(ordinal)


MM_PREFIXES = ("97", "96", "79", "78", "77", "76", "75", "69", "68", "67", "66", "65")
MM_PREFIXES_MPT = ("25", "26", "40", "42", "44", "45", "88", "89")
TH_PREFIXES = (
    "61",
    "62",
    "63",
    "64",
    "65",
    "81",
    "82",
    "83",
    "84",
    "85",
    "86",
    "87",
    "89",
    "91",
    "92",
    "93",
    "94",
    "95",
)


def mobile(rng: random.Random) -> str:
    """A Myanmar mobile as 11 ASCII digits (09...), or a Thai one as +66..."""
    if rng.random() < 0.03:
        return f"+66{rng.choice(TH_PREFIXES)}{rng.randrange(10**7):07d}"
    prefix = rng.choice(MM_PREFIXES) if rng.random() < 0.7 else rng.choice(MM_PREFIXES_MPT)
    return f"09{prefix}{rng.randrange(10**7):07d}"


def phone_history(rng: random.Random, first: str | None, start: float) -> list[tuple[float, str]]:
    if first is None:
        return []
    phones = [(0.0, first)]
    year = start
    while True:
        year += rng.expovariate(0.25)  # a new SIM every ~4 years on average
        if year > LAST_YEAR + 1:
            return phones
        phones.append((year, mobile(rng)))


def make_nrc(
    rng: random.Random, places: Places, township: int, sex: str
) -> tuple[int, str, str, str]:
    t = places.townships[township]
    state = NRC_STATE[t.state] if rng.random() < 0.85 else rng.randint(1, 14)
    if state == NRC_STATE[t.state] and t.nrc_code and rng.random() < 0.7:
        code = t.nrc_code
    else:
        code = rng.choice(places.nrc_codes[state])
    r = rng.random()
    kind = "N"
    for k, w, _ in NRC_TYPES:
        r -= w
        if r < 0:
            kind = k
            break
    else:
        kind = NRC_TYPES_Y[0]
    if kind == "T" and sex == "F":
        kind = "N"
    return state, code, kind, f"{rng.randrange(1, 400000):06d}"


def registrations_count(rng: random.Random) -> int:
    r = rng.random()
    for k, p in ((1, 0.58), (2, 0.22), (3, 0.10), (4, 0.05), (5, 0.025)):
        r -= p
        if r < 0:
            return k
    return rng.randint(6, 10)


def ethnicity(rng: random.Random, state: str) -> str:
    r = rng.random()
    for ethnic, p in ETHNIC_MIX.get(state, {}).items():
        r -= p
        if r < 0:
            return ethnic
    return "bamar"


@dataclass
class Population:
    people: list[Person] = field(default_factory=list)
    by_township_sex: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    by_sex: dict[str, list[int]] = field(default_factory=lambda: {"M": [], "F": []})
    deliberate_namesakes: int = 0


def make_people(rng: random.Random, places: Places, rows: int) -> Population:
    pop = Population()
    total = 0
    household = 0
    members = 0
    while total < rows:
        pid = len(pop.people)
        prev = pop.people[-1] if pop.people else None
        sex = "M" if rng.random() < 0.48 else "F"
        join = prev is not None and members < 6 and rng.random() < 0.25
        if join and prev is not None:
            members += 1
            township = prev.township
            ethnic = prev.ethnic
            spouse = rng.random() < 0.3
            if spouse:
                sex = "F" if prev.sex == "M" else "M"
                father = make_name(rng, "M", ethnic)
                birth = dt.date.fromordinal(prev.birth.toordinal() + rng.randint(-3650, 3650))
            else:
                father = prev.father
                birth = dt.date.fromordinal(prev.birth.toordinal() + rng.randint(-3650, 3650))
            name = make_name(rng, sex, ethnic)
            if not spouse and rng.random() < 0.3 and not prev.name.clan:
                # Siblings often share a syllable.
                k = rng.randrange(len(name.syllables))
                j = rng.randrange(len(prev.name.syllables))
                shared = list(name.syllables)
                shared[k] = prev.name.syllables[j]
                name = respell(rng, Name(tuple(shared), (), name.clan))
            if prev.name.clan and name.clan and not spouse:
                # Kachin siblings carry their father's clan name.
                clan = (prev.name.syllables[0], *name.syllables[1:])
                name = respell(rng, Name(clan, (), True))
            shared_phone = prev.phones[0][1] if prev.phones and rng.random() < 0.5 else None
        else:
            household += 1
            members = 1
            township = places.draw(rng)
            ethnic = ethnicity(rng, places.townships[township].state)
            father = make_name(rng, "M", ethnic)
            birth = birth_date(rng)
            name = make_name(rng, sex, ethnic)
            shared_phone = None
            if rng.random() < 0.08:
                same_town = rng.random() < 0.65
                pool = (
                    pop.by_township_sex.get((township, sex), []) if same_town else pop.by_sex[sex]
                )
                if pool:
                    other = pop.people[rng.choice(pool)]
                    pop.deliberate_namesakes += 1
                    ethnic = other.ethnic
                    name = other.name if rng.random() < 0.5 else respell(rng, other.name)
                    if rng.random() < 0.2:
                        day = rng.randint(0, 364)
                        birth = dt.date.fromordinal(
                            dt.date(other.birth.year, 1, 1).toordinal() + day
                        )
                    if rng.random() < 0.05:
                        father = other.father
        if birth.year > LAST_YEAR - 1:
            birth = dt.date(LAST_YEAR - 1, birth.month, min(birth.day, 28))
        age = LAST_YEAR - birth.year
        r = rng.random()
        precision = "full" if r < 0.75 else "year" if r < 0.95 else "none"
        holds = rng.random() < (0.6 if age >= 18 else 0.25 if age >= 10 else 0.0)
        nrc = make_nrc(rng, places, township, sex) if holds else None
        if age < 16 or shared_phone is not None:
            first = shared_phone  # children carry the household's phone, if any
        else:
            first = mobile(rng) if rng.random() < 0.8 else None
        person = Person(
            pid=pid,
            sex=sex,
            ethnic=ethnic,
            name=name,
            father=father,
            birth=birth,
            precision=precision,
            township=township,
            nrc=nrc,
            phones=phone_history(rng, first, rng.uniform(2014, 2020)),
            household=household,
            registrations=min(registrations_count(rng), rows - total),
        )
        if person.registrations > 1 and rng.random() < 0.25:
            person.moved = (rng.uniform(2016, 2024), displaced_to(rng, places, township))
        total += person.registrations
        pop.people.append(person)
        pop.by_township_sex.setdefault((township, sex), []).append(pid)
        pop.by_sex[sex].append(pid)
    return pop


def displaced_to(rng: random.Random, places: Places, township: int) -> int:
    t = places.townships[township]
    r = rng.random()
    pool = (
        places.by_district[t.district]
        if r < 0.6
        else places.by_state[t.state]
        if r < 0.9
        else range(len(places.townships))
    )
    choices = [i for i in pool if i != township]
    return rng.choice(choices) if choices else township


# --------------------------------------------------------------------------
# Rendering one registration.

VOWELS = "aeiou"
_KEYBOARD = (
    "a=qsz b=vgn c=xvd d=sfe e=wrd f=dgr g=fht h=gjy i=uok j=hku k=jli l=ko m=nj "
    "n=bmh o=ipl p=ol q=wa r=etf s=adw t=ryg u=yij v=cbf w=qes x=zcs y=tuh z=xa"
)
#: Neighbouring keys on a QWERTY keyboard.
KEYBOARD = dict(item.split("=") for item in _KEYBOARD.split())


def typo(rng: random.Random, text: str) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters)
    c = text[i]
    kind = rng.random()
    if kind < 0.3:
        return text[:i] + text[i + 1 :]
    if kind < 0.5:
        return text[:i] + c + text[i:]
    if kind < 0.7 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + c + text[i + 2 :]
    if kind < 0.85 and c.lower() in VOWELS:
        new = rng.choice([v for v in VOWELS if v != c.lower()])
    else:
        new = rng.choice(KEYBOARD.get(c.lower(), "e"))
    new = new.upper() if c.isupper() else new
    return text[:i] + new + text[i + 1 :]


def whitespace_noise(rng: random.Random, text: str) -> str:
    r = rng.random()
    if r < 0.35:
        return text + " "
    if r < 0.55:
        return " " + text
    if r < 0.85 and " " in text:
        return text.replace(" ", "  ", 1)
    if r < 0.93 and " " in text:
        return text.replace(" ", "\u00a0", 1)
    return text + "  "


def honorific_kind(rng: random.Random, p: Person, age: int) -> str:
    if p.ethnic == "karen" and rng.random() < 0.8:
        return "Saw" if p.sex == "M" else "Naw"
    if p.ethnic == "shan" and rng.random() < 0.8:
        return "Sai" if p.sex == "M" else "Nang"
    elder = rng.random() < min(1.0, max(0.0, (age - 28) / 17))
    if p.sex == "M":
        if age < 18:
            return "Maung"
        return "U" if elder else ("Maung" if rng.random() < 0.15 else "Ko")
    return "Daw" if elder else "Ma"


def latin_syllables(rng: random.Random, name: Name, clerk: float = 0.25) -> list[str]:
    out = []
    for s, own in zip(name.syllables, name.habitual, strict=True):
        out.append(own if rng.random() >= clerk else habitual_spelling(rng, s))
    return out


def render_latin(
    rng: random.Random, parts: list[str], honorific: str | None, src: Source, typo_rate: float
) -> str:
    if len(parts) >= 3 and rng.random() < 0.015:
        del parts[rng.randrange(len(parts))]
    r = rng.random()
    if r < src.nospace:
        words = [w.replace(" ", "") for w in parts]
        camel = rng.random() < 0.75  # ZeyarHtetSan, else zeyarhtetsan
        body = "".join(w.capitalize() for w in words) if camel else "".join(words).lower()
    elif r < src.nospace + 0.07 and len(parts) >= 2:
        k = rng.randrange(len(parts) - 1)
        merged = parts[k] + parts[k + 1].replace(" ", "").lower()
        body = " ".join([*parts[:k], merged, *parts[k + 2 :]])
    else:
        body = " ".join(parts)
    if rng.random() < typo_rate:
        body = typo(rng, body)
    text = f"{honorific} {body}" if honorific else body
    r = rng.random()
    if r < src.upper:
        text = text.upper()
    elif r < src.upper + src.lower:
        text = text.lower()
    elif r < src.upper + src.lower + 0.02:
        text = text[:1].lower() + text[1:]
    if rng.random() < 0.04:
        text = whitespace_noise(rng, text)
    return text


BURMESE_TYPO_FROM = "ဝ"


def burmese_noise(rng: random.Random, text: str) -> str:
    r = rng.random()
    if r < 0.015 and len(text) > 2:
        i = rng.randrange(1, len(text))
        return text[:i] + "\u200b" + text[i:]
    if r < 0.03 and "ဝ" in text:
        return text.replace("ဝ", "၀", 1)
    if r < 0.04 and ("်" in text or "့" in text):
        mark = "်" if "်" in text else "့"
        i = text.rfind(mark)
        return text[:i] + text[i + 1 :]
    if r < 0.055:
        return text + " "
    return text


def render_burmese(
    rng: random.Random, name: Name, honorific: str | None, zawgyi: bool, noise: bool = True
) -> str:
    parts = [s.my for s in name.syllables]
    r = rng.random()
    sep = "" if r < 0.55 else " "
    body = sep.join(parts)
    if honorific:
        text = f"{honorific} {body}" if r >= 0.55 or rng.random() < 0.25 else honorific + body
    else:
        text = body
    if zawgyi:
        text = to_zawgyi(text)
    return burmese_noise(rng, text) if noise else text


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_FULL = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()


def format_date(rng: random.Random, d: dt.date, fmt: str) -> str:
    y, m, day = d.year, d.month, d.day
    pad = rng.random() < 0.5
    if fmt == "iso":
        return f"{y:04d}-{m:02d}-{day:02d}"
    if fmt == "iso_time":
        return f"{y:04d}-{m:02d}-{day:02d} 00:00:00"
    if fmt == "dmy":
        return f"{day:02d}/{m:02d}/{y}" if pad else f"{day}/{m}/{y}"
    if fmt == "mdy":
        return f"{m:02d}/{day:02d}/{y}" if pad else f"{m}/{day}/{y}"
    if fmt == "dot":
        return f"{day:02d}.{m:02d}.{y}"
    if fmt == "dash":
        return f"{day:02d}-{m:02d}-{y}"
    if fmt == "dmy2":
        return f"{day:02d}/{m:02d}/{y % 100:02d}"
    if fmt == "dmon":
        r = rng.random()
        if r < 0.5:
            return f"{day} {MONTHS[m - 1]} {y}"
        if r < 0.75:
            return f"{day:02d}-{MONTHS[m - 1]}-{y}"
        if r < 0.9:
            return f"{day} {MONTHS_FULL[m - 1]} {y}"
        return f"{MONTHS_FULL[m - 1]} {day}, {y}"
    if fmt == "excel":
        return str(d.toordinal() - EXCEL_EPOCH)
    return str(y)


def entry_error(rng: random.Random, d: dt.date) -> dt.date:
    r = rng.random()
    try:
        if r < 0.35:
            return d.replace(day=max(1, min(28, d.day + rng.choice((-2, -1, 1, 2, 10)))))
        if r < 0.55:
            return d.replace(month=rng.randint(1, 12), day=min(d.day, 28))
        if r < 0.85:
            return d.replace(year=d.year + rng.choice((-1, 1)), day=min(d.day, 28))
        return d.replace(year=d.year + rng.choice((-10, 10)), day=min(d.day, 28))
    except ValueError:
        return d


def render_dob(rng: random.Random, p: Person, src: Source) -> str:
    fmt = pick(rng, src.dob_formats)
    if p.precision == "full":
        d = entry_error(rng, p.birth) if rng.random() < 0.025 else p.birth
        text = format_date(rng, d, fmt)
    elif p.precision == "year":
        if fmt == "year" or rng.random() < 0.6:
            text = str(p.birth.year)
        else:
            text = format_date(rng, dt.date(p.birth.year, 1, 1), fmt)
    else:
        if rng.random() < 0.4:
            return ""
        year = p.birth.year + rng.randint(-3, 3)
        text = (
            str(year)
            if fmt == "year" or rng.random() < 0.7
            else format_date(rng, dt.date(year, 1, 1), fmt)
        )
    if rng.random() < src.my_digits:
        text = text.translate(MY_DIGITS)
    return text


def render_nrc(rng: random.Random, nrc: tuple[int, str, str, str], src: Source) -> str:
    state, code, kind, number = nrc
    if rng.random() < 0.02:
        i = rng.randrange(6)
        number = number[:i] + str((int(number[i]) + rng.randint(1, 9)) % 10) + number[i + 1 :]
    drop_type = rng.random() < 0.03
    if rng.random() < src.nrc_my:
        kind_my = "" if drop_type else f"({NRC_TYPE_MY[kind]})"
        text = f"{state}/{code}{kind_my}{number}"
        if rng.random() < 0.85:
            text = text.translate(MY_DIGITS)
        if rng.random() < 0.1:
            text = text.replace("/", " / ").replace("(", " (").replace(")", ") ")
        if rng.random() < src.zawgyi:
            text = to_zawgyi(text)
        return text
    sylls = []
    for c in code:
        options = NRC_LATIN.get(c, ("Ka",))
        sylls.append(options[0] if len(options) == 1 or rng.random() < 0.8 else rng.choice(options))
    r = rng.random()
    if r < 0.5:
        abbr = "".join(sylls)
    elif r < 0.8:
        abbr = "".join(sylls).upper()
    elif r < 0.87:
        abbr = "".join(s[0] for s in sylls).upper()
    elif r < 0.93:
        abbr = "".join(sylls).lower()
    else:
        abbr = " ".join(sylls)
    r = rng.random()
    latin_kind = kind if r < 0.85 or kind != "N" else "Naing" if r < 0.95 else "NAING"
    kind_part = "" if drop_type else f"({latin_kind})"
    r = rng.random()
    if r < 0.75:
        return f"{state}/{abbr}{kind_part}{number}"
    if r < 0.85:
        return f"{state}/{abbr} {kind_part} {number}".replace("  ", " ")
    if r < 0.92:
        return f"{state}{abbr}{kind_part}{number}"
    return f"{state} / {abbr}{kind_part}{number}"


def render_phone(rng: random.Random, number: str, src: Source) -> str:
    if rng.random() < 0.02:
        digits = [i for i, c in enumerate(number) if c.isdigit()]
        i = rng.choice(digits[4:])
        number = number[:i] + str((int(number[i]) + rng.randint(1, 9)) % 10) + number[i + 1 :]
    if number.startswith("+66"):
        rest = number[3:]
        r = rng.random()
        if r < 0.4:
            return number
        if r < 0.6:
            return f"+66 {rest[:2]} {rest[2:5]} {rest[5:]}"
        if r < 0.8:
            return "66" + rest
        return "0" + rest  # a bare Thai national number: ambiguous
    nsn = number[1:]  # 9xxxxxxxxx
    fmt = pick(rng, src.phone_formats)
    if fmt == "+959":
        return "+95" + nsn
    if fmt == "959":
        return "95" + nsn
    if fmt == "9":
        return nsn
    if fmt == "09 sp":
        return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
    if fmt == "09-":
        return f"{number[:4]}-{number[4:7]}-{number[7:]}"
    if fmt == "+95 9 sp":
        return f"+95 {nsn[:1]} {nsn[1:4]} {nsn[4:7]} {nsn[7:]}"
    if fmt == "my":
        return number.translate(MY_DIGITS)
    return number


def split_english(rng: random.Random, name: str) -> str:
    if len(name) < 8 or " " in name:
        return name
    points = [
        i
        for i in range(3, len(name) - 3)
        if name[i - 1].lower() in VOWELS and name[i].lower() not in VOWELS
    ]
    if not points:
        return name
    i = rng.choice(points)
    return name[:i] + " " + name[i].upper() + name[i + 1 :]


def render_township(rng: random.Random, t: Township, src: Source) -> str:
    fmt = pick(rng, src.township_formats)
    if fmt == "pcode":
        return t.pcode if rng.random() < 0.95 else t.pcode.lower()
    if fmt == "my":
        return t.my + ("မြို့နယ်" if rng.random() < 0.3 else "")
    if fmt == "zawgyi":
        return t.my_zawgyi + (to_zawgyi("မြို့နယ်") if rng.random() < 0.3 else "")
    text = t.en
    if rng.random() < 0.1:
        text = split_english(rng, text)
    if rng.random() < 0.03:
        text = typo(rng, text)
    r = rng.random()
    if r < 0.12:
        text += " Township"
    elif r < 0.2:
        text += rng.choice((" Tsp", " Tsp.", " TS"))
    r = rng.random()
    if r < 0.12:
        text = text.upper()
    elif r < 0.2:
        text = text.lower()
    if rng.random() < 0.03:
        text = whitespace_noise(rng, text)
    return text


def missing(rng: random.Random, src: Source, burmese: bool = False) -> str:
    if rng.random() >= src.placeholder:
        return ""
    return pick(rng, PLACEHOLDERS_MY if burmese else PLACEHOLDERS)


def render(rng: random.Random, p: Person, year: float, src: Source, places: Places) -> list[str]:
    age = int(year) - p.birth.year
    honorific = (
        honorific_kind(rng, p, age)
        if rng.random() < min(0.95, src.honorific * (1.3 if p.ethnic in ("karen", "shan") else 1))
        else None
    )
    zawgyi = rng.random() < src.zawgyi
    has_latin = rng.random() < src.latin
    has_burmese = rng.random() < src.burmese
    if not has_latin and not has_burmese:
        has_latin = True
    name = ""
    if has_latin:
        hon = pick(rng, HONORIFICS[honorific][0]) if honorific else None
        typo_rate = src.typo * (2 if p.ethnic in ("karen", "shan", "kachin") else 1)
        name = render_latin(rng, latin_syllables(rng, p.name), hon, src, typo_rate)
    name_my = ""
    if has_burmese:
        keep = honorific and rng.random() < (0.75 if has_latin else 0.85)
        hon_my = HONORIFICS[honorific][1] if keep and honorific else None
        name_my = render_burmese(rng, p.name, hon_my, zawgyi)
        if not has_latin and rng.random() < 0.03:
            name, name_my = name_my, ""  # Burmese typed into the Latin column
    if not name:
        name = missing(rng, src)
    if not name_my:
        name_my = missing(rng, src, burmese=True)

    father = missing(rng, src)
    if rng.random() < src.father:
        u = rng.random() < 0.7
        if rng.random() < src.father_my:
            father = render_burmese(rng, p.father, "ဦး" if u else None, zawgyi)
        else:
            hon = pick(rng, HONORIFICS["U"][0]) if u else None
            father = render_latin(rng, latin_syllables(rng, p.father, 0.3), hon, src, src.typo)

    dob = render_dob(rng, p, src) if rng.random() < src.dob else ""
    dob = dob or missing(rng, src)

    nrc = ""
    if p.nrc is not None and age >= 10 and rng.random() < src.nrc:
        nrc = render_nrc(rng, p.nrc, src)
    nrc = nrc or missing(rng, src)

    phone = ""
    if p.phones and rng.random() < src.phone:
        i = bisect.bisect([y for y, _ in p.phones], year) - 1
        phone = render_phone(rng, p.phones[max(0, i)][1], src)
        if rng.random() < 0.015:
            phone += rng.choice((", ", " / ", "/", "; ")) + render_phone(rng, mobile(rng), src)
    phone = phone or (missing(rng, src) if rng.random() < 0.97 else "0")

    township = ""
    if rng.random() < src.township:
        tsp = p.township
        if p.moved and year >= p.moved[0] and rng.random() < 0.85:
            tsp = p.moved[1]
        township = render_township(rng, places.townships[tsp], src)
    township = township or missing(rng, src)
    return [name, name_my, father, dob, nrc, phone, township]


def retype(
    rng: random.Random, row: list[str], p: Person, year: float, src: Source, places: Places
) -> list[str]:
    """A clerk's copy of the previous row: exact, or one field changed."""
    row = row[:]
    if rng.random() < 0.3:
        return row
    fresh = render(rng, p, year, src, places)
    i = rng.randrange(len(row))
    row[i] = fresh[i] if rng.random() < 0.7 else ""
    if not has_name(row):
        row[0] = render_latin(rng, latin_syllables(rng, p.name), None, src, src.typo)
    return row


# --------------------------------------------------------------------------
# Assembly.


def generate(rows: int, seed: int) -> tuple[list[list[str]], list[tuple[str, str]], dict[str, int]]:
    """The rows of people.csv (with ids), of labels.csv, and a summary."""
    rng = random.Random(seed)
    places = load_places(seed)
    pop = make_people(rng, places, rows)
    source_cum = list(itertools.accumulate(src.weight for src in SOURCES))
    acc = source_cum[-1]
    per_source: list[list[tuple[list[str], int]]] = [[] for _ in SOURCES]
    for p in pop.people:
        regs: list[tuple[float, int]] = []
        prev = -1
        born = p.birth.year + p.birth.timetuple().tm_yday / 366
        for _ in range(p.registrations):
            if prev >= 0 and rng.random() < 0.35:
                s = prev
            else:
                s = bisect.bisect(source_cum, rng.random() * acc)
            while SOURCES[s].years[1] + 1 <= born:  # a list closed before birth
                s = bisect.bisect(source_cum, rng.random() * acc)
            lo, hi = SOURCES[s].years
            regs.append((rng.uniform(max(lo, born), hi + 1), s))
            prev = s
        regs.sort()
        last: dict[int, list[str]] = {}
        for year, s in regs:
            src = SOURCES[s]
            if s in last and rng.random() < 0.4:
                row = retype(rng, last[s], p, year, src, places)
            else:
                row = render(rng, p, year, src, places)
                if not has_name(row):
                    row[0] = render_latin(rng, latin_syllables(rng, p.name), None, src, src.typo)
            last[s] = row
            per_source[s].append((row, p.pid))
    out_rows: list[list[str]] = []
    labels: list[tuple[str, str]] = []
    for s, items in enumerate(per_source):
        rng.shuffle(items)
        for n, (row, pid) in enumerate(items, start=1):
            rid = f"{SOURCES[s].prefix}-{n:07d}"
            out_rows.append([rid, *row])
            labels.append((rid, f"P{pid:07d}"))
    return out_rows, labels, stats(pop)


def stats(pop: Population) -> dict[str, int]:
    sizes = [p.registrations for p in pop.people]
    names: dict[str, list[Person]] = defaultdict(list)
    for p in pop.people:
        names["".join(s.my for s in p.name.syllables)].append(p)
    shared = sum(len(v) for v in names.values() if len(v) > 1)
    same_town = 0
    for v in names.values():
        if len(v) > 1:
            towns: dict[int, int] = defaultdict(int)
            for p in v:
                towns[p.township] += 1
            same_town += sum(c for c in towns.values() if c > 1)
    return {
        "persons": len(pop.people),
        "singletons": sum(1 for k in sizes if k == 1),
        "true_pairs": sum(k * (k - 1) // 2 for k in sizes),
        "deliberate_namesakes": pop.deliberate_namesakes,
        "persons_sharing_full_name": shared,
        "persons_sharing_full_name_in_township": same_town,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows, labels, summary = generate(args.rows, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "people.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    with (args.out / "labels.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "person"])
        writer.writerows(labels)
    report = {"rows": len(rows), **summary, "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
