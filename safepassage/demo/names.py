"""Invented Burmese names for demo people, spelt in Latin by a syllable table.

Every name is drawn at random from common syllables, so it names no one
in particular; the Latin spelling is derived from the same table, never
typed by hand, so the two forms always agree. Honorifics (မောင်, ကို, ဦး,
မ, ဒေါ်) are kept apart from the name, as `Person.honorific` expects.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (Burmese, usual Latin spelling). Syllables only: an honorific is never
# part of a given name here.
MALE_SYLLABLES: tuple[tuple[str, str], ...] = (
    ("အောင်", "Aung"),
    ("ကျော်", "Kyaw"),
    ("ဇော်", "Zaw"),
    ("ဝင်း", "Win"),
    ("မင်း", "Min"),
    ("ထွန်း", "Htun"),
    ("နိုင်", "Naing"),
    ("ထက်", "Htet"),
    ("ဟိန်း", "Hein"),
    ("လင်း", "Lin"),
    ("ပိုင်", "Paing"),
    ("ဖြိုး", "Phyo"),
    ("စိုး", "Soe"),
    ("မိုး", "Moe"),
    ("သူ", "Thu"),
    ("ရဲ", "Ye"),
    ("ညီ", "Nyi"),
    ("သက်", "Thet"),
    ("ခန့်", "Khant"),
    ("ကောင်း", "Kaung"),
    ("မျိုး", "Myo"),
    ("သိန်း", "Thein"),
    ("တင်", "Tin"),
    ("လွင်", "Lwin"),
    ("နေ", "Nay"),
    ("ချမ်း", "Chan"),
    ("သန့်", "Thant"),
    ("ဝေ", "Wai"),
    ("ရန်", "Yan"),
    ("ပြည့်", "Pyae"),
    ("ဇင်", "Zin"),
    ("မြတ်", "Myat"),
)
FEMALE_SYLLABLES: tuple[tuple[str, str], ...] = (
    ("ခင်", "Khin"),
    ("နွယ်", "Nwe"),
    ("သီ", "Thi"),
    ("ဖြူ", "Phyu"),
    ("မြ", "Mya"),
    ("စု", "Su"),
    ("မေ", "May"),
    ("နှင်း", "Hnin"),
    ("ယု", "Yu"),
    ("ဝါ", "Wah"),
    ("ချို", "Cho"),
    ("ပန်း", "Pan"),
    ("အေး", "Aye"),
    ("ငြိမ်း", "Nyein"),
    ("ရွှေ", "Shwe"),
    ("ဇာ", "Zar"),
    ("မြတ်", "Myat"),
    ("သက်", "Thet"),
    ("ဝေ", "Wai"),
    ("ချမ်း", "Chan"),
)
# Syllables more usual in the names of the parents' generation.
ELDER_SYLLABLES: tuple[tuple[str, str], ...] = (
    ("ဘ", "Ba"),
    ("လှ", "Hla"),
    ("သန်း", "Than"),
    ("စိန်", "Sein"),
    ("ထွန်း", "Tun"),
    ("ညွန့်", "Nyunt"),
    ("ဖေ", "Pe"),
    ("တင်", "Tin"),
    ("မြင့်", "Myint"),
    ("ရွှေ", "Shwe"),
    ("အောင်", "Aung"),
    ("စိုး", "Soe"),
    ("သိန်း", "Thein"),
    ("ကျော်", "Kyaw"),
    ("ဝင်း", "Win"),
)

# Honorifics by sex and age: (Burmese, Latin).
MAUNG = ("မောင်", "Maung")
KO = ("ကို", "Ko")
U = ("ဦး", "U")
MA = ("မ", "Ma")
DAW = ("ဒေါ်", "Daw")
HONORIFICS = (MAUNG, KO, U, MA, DAW)

# Noms de guerre: nicknames in common use, none tied to anyone.
NICKNAMES: tuple[str, ...] = ("ကျား", "မိုးကြိုး", "ငယ်", "ဖိုးသား", "ကြယ်", "သံ", "လေ")


@dataclass(frozen=True)
class Name:
    """A name as syllables; the honorific, if any, is the first part."""

    parts: tuple[tuple[str, str], ...]

    @property
    def burmese(self) -> str:
        return "".join(burmese for burmese, _ in self.parts)

    @property
    def latin(self) -> str:
        return " ".join(latin for _, latin in self.parts)

    def with_honorific(self, honorific: tuple[str, str]) -> Name:
        return Name((honorific, *self.parts))


def _draw(rng: random.Random, table: tuple[tuple[str, str], ...], syllables: int) -> Name:
    return Name(tuple(rng.sample(table, syllables)))


def given_name(rng: random.Random, *, sex: str) -> Name:
    """One to three syllables, two or three in most names."""
    table = FEMALE_SYLLABLES if sex == "female" else MALE_SYLLABLES
    syllables = rng.choices((1, 2, 3), weights=(1, 6, 5))[0]
    return _draw(rng, table, syllables)


def elder_name(rng: random.Random, *, sex: str) -> Name:
    """A parent's name with its honorific (ဦး / ဒေါ်), as records write it."""
    if sex == "female":
        return _draw(rng, FEMALE_SYLLABLES, rng.choice((1, 2))).with_honorific(DAW)
    return _draw(rng, ELDER_SYLLABLES, rng.choice((1, 2, 2))).with_honorific(U)


def honorific_for(rng: random.Random, *, sex: str, age: int) -> tuple[str, str]:
    if sex == "female":
        return DAW if age >= 40 else MA
    if age >= 40:
        return U
    return KO if age >= 25 or rng.random() < 0.3 else MAUNG


def aliases(rng: random.Random, name: Name) -> list[str]:
    """Usually none; else a short form with ကို, a nickname, or both."""
    roll = rng.random()
    if roll < 0.7:
        return []
    found = [KO[0] + name.parts[0][0]] if roll < 0.85 else [rng.choice(NICKNAMES)]
    if roll > 0.95:
        found.append(rng.choice(NICKNAMES))
    return list(dict.fromkeys(found))
