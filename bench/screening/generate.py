"""Seeded, labelled person lists for judging de-duplication.

Invented people only: names are drawn from common syllables (the same kind
of table as safepassage/demo/names.py), phones and NRC numbers are random
digits, townships are real place codes. Each person is registered one to
four times, and every registration goes through the troubles a legacy
spreadsheet has:

* honorifics that come and go (U, Daw, Ko, Ma, Maung/Mg, Saw, Naw, Sai,
  Nang), in Latin and Burmese;
* romanisation variants per syllable (Aung/Aong, Kyaw/Kyao, Htun/Tun,
  Pyae/Pye/Pyay, Khaing/Khine, Zeyar/Zeya, Thet/Thett, Nyein/Nyain,
  Myint/Myin, Hlaing/Laing ...), spaces vanishing (``ZeyarHtetSan``), case,
  typing mistakes;
* Burmese names in Unicode or Zawgyi (ICU ``my-Zawgyi``), or absent;
* dates of birth as a year alone, day and month swapped, Burmese digits,
  written months, impossible dates (31-02-1990), or absent;
* phones in several forms, changed between registrations, or absent;
* NRC numbers in Latin or Burmese script, sometimes with a wrong digit;
* townships as a place code, an English or Burmese name, or moved;
* many namesakes: a third of the people take the given name of someone
  already drawn, most often in the same township, with their own father,
  birth date, NRC and phone.

Output: ``people.csv`` (the dedupe_csv columns) and ``labels.csv``
(``id, person``). Usage::

    .venv/bin/python bench/screening/generate.py --rows 20000 --seed 7 --out var/bench/s7
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import icu  # noqa: E402

from safepassage.language.nrc import romanise, townships  # noqa: E402

# (Burmese, Latin spellings: the usual first, variants after).
MALE = (
    ("အောင်", ("Aung", "Aong")),
    ("ကျော်", ("Kyaw", "Kyao", "Kyaw")),
    ("ဇော်", ("Zaw", "Zaw", "Zawe")),
    ("ဝင်း", ("Win", "Winn")),
    ("မင်း", ("Min", "Minn")),
    ("ထွန်း", ("Htun", "Tun", "Htoon")),
    ("နိုင်", ("Naing", "Naing", "Nai")),
    ("ထက်", ("Htet", "Htett", "Htat")),
    ("ဟိန်း", ("Hein", "Hain")),
    ("လင်း", ("Lin", "Linn")),
    ("ပိုင်", ("Paing", "Pine")),
    ("ဖြိုး", ("Phyo", "Pyo", "Phyoe")),
    ("စိုး", ("Soe", "So")),
    ("မိုး", ("Moe", "Mo")),
    ("သူ", ("Thu", "Thuu")),
    ("ရဲ", ("Ye", "Yei")),
    ("ညီ", ("Nyi", "Nyee")),
    ("သက်", ("Thet", "Thett")),
    ("ခန့်", ("Khant", "Khan")),
    ("ကောင်း", ("Kaung", "Kaung")),
    ("မျိုး", ("Myo", "Myoe")),
    ("သိန်း", ("Thein", "Thane")),
    ("တင်", ("Tin", "Tin")),
    ("လွင်", ("Lwin", "Lwinn")),
    ("နေ", ("Nay", "Ne", "Nei")),
    ("ချမ်း", ("Chan", "Chann")),
    ("သန့်", ("Thant", "Than")),
    ("ဝေ", ("Wai", "Way", "We")),
    ("ရန်", ("Yan", "Yan")),
    ("ပြည့်", ("Pyae", "Pye", "Pyay", "Pyi")),
    ("ဇင်", ("Zin", "Zinn")),
    ("မြတ်", ("Myat", "Myatt")),
    ("ဇေယျာ", ("Zeyar", "Zeya")),
    ("လှိုင်", ("Hlaing", "Laing")),
    ("ခိုင်", ("Khaing", "Khine")),
    ("ငြိမ်း", ("Nyein", "Nyain")),
    ("မြင့်", ("Myint", "Myin")),
    ("ဟန်", ("Han", "Hann")),
    ("သီဟ", ("Thiha", "Thi Ha")),
    ("ဘုန်း", ("Phone", "Bhone", "Hpone")),
    ("ကိုကို", ("Ko Ko", "Koko")),
    ("ဝဏ္ဏ", ("Wunna", "Wanna")),
)
FEMALE = (
    ("ခင်", ("Khin", "Khin")),
    ("နွယ်", ("Nwe", "Nway", "Nwae")),
    ("သီ", ("Thi", "Thee")),
    ("ဖြူ", ("Phyu", "Phyu")),
    ("မြ", ("Mya", "Myar")),
    ("စု", ("Su", "Soo")),
    ("မေ", ("May", "Me", "Mei")),
    ("နှင်း", ("Hnin", "Hnin")),
    ("ယု", ("Yu", "Yu")),
    ("ဝါ", ("Wah", "Wa")),
    ("ချို", ("Cho", "Cho")),
    ("ပန်း", ("Pan", "Pann")),
    ("အေး", ("Aye", "Aye")),
    ("ငြိမ်း", ("Nyein", "Nyain")),
    ("ရွှေ", ("Shwe", "Shwe")),
    ("ဇာ", ("Zar", "Za")),
    ("မြတ်", ("Myat", "Myatt")),
    ("သက်", ("Thet", "Thett")),
    ("ဝေ", ("Wai", "Way")),
    ("ချမ်း", ("Chan", "Chann")),
    ("ခိုင်", ("Khaing", "Khine")),
    ("စန္ဒာ", ("Sandar", "Sanda")),
    ("ဖူး", ("Phoo", "Phu")),
    ("လဲ့", ("Lae", "Lei")),
    ("သဇင်", ("Thazin", "Tha Zin")),
    ("မိုး", ("Moe", "Mo")),
)
ELDER = (
    ("ဘ", ("Ba", "Bha")),
    ("လှ", ("Hla", "La")),
    ("သန်း", ("Than", "Thann")),
    ("စိန်", ("Sein", "Sain")),
    ("ထွန်း", ("Tun", "Htun", "Htoon")),
    ("ညွန့်", ("Nyunt", "Nyun")),
    ("ဖေ", ("Pe", "Pay")),
    ("တင်", ("Tin", "Tin")),
    ("မြင့်", ("Myint", "Myin")),
    ("ရွှေ", ("Shwe", "Shwe")),
    ("အောင်", ("Aung", "Aong")),
    ("စိုး", ("Soe", "So")),
    ("သိန်း", ("Thein", "Thane")),
    ("ကျော်", ("Kyaw", "Kyao")),
    ("ဝင်း", ("Win", "Winn")),
    ("ချစ်", ("Chit", "Chit")),
    ("ကြည်", ("Kyi", "Kyee")),
    ("ဖိုး", ("Pho", "Phoe")),
    ("မောင်", ("Maung", "Mg")),
    ("လှိုင်", ("Hlaing", "Laing")),
)
HONORIFIC_MALE = (("ဦး", "U"), ("ကို", "Ko"), ("မောင်", "Maung"), ("မောင်", "Mg"))
HONORIFIC_FEMALE = (("ဒေါ်", "Daw"), ("မ", "Ma"))
ETHNIC_MALE = (("စော", "Saw"), ("စိုင်း", "Sai"))
ETHNIC_FEMALE = (("နော်", "Naw"), ("နန်း", "Nang"))
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MM_DIGITS = str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")
TYPE_LATIN = {"N": "နိုင်", "E": "ဧည့်"}


@cache
def _zawgyi() -> object:
    return icu.Transliterator.createInstance("my-Zawgyi")


@cache
def to_zawgyi(text: str) -> str:
    return _zawgyi().transliterate(text)  # type: ignore[attr-defined]


def load_places() -> tuple[list[tuple[str, str, str]], list[tuple[int, str]]]:
    with (ROOT / "safepassage/geo/data/townships.csv").open(encoding="utf-8") as fh:
        places = [
            (r["township_pcode"], r["township_en"], r["township_my"]) for r in csv.DictReader(fh)
        ]
    codes = [(state, code) for state, table in townships().items() for code in table]
    return places, codes


class Person:
    __slots__ = (
        "dob",
        "ethnic",
        "father",
        "name",
        "nrc",
        "phone",
        "place",
        "sex",
    )


def new_person(rng: random.Random, places, codes, donor: Person | None) -> Person:
    p = Person()
    if donor is not None:
        p.sex, p.name = donor.sex, donor.name
        p.place = donor.place if rng.random() < 0.7 else rng.choice(places)
        p.ethnic = donor.ethnic
    else:
        p.sex = rng.choice(("male", "male", "female"))
        table = FEMALE if p.sex == "female" else MALE
        p.name = tuple(rng.sample(table, rng.choices((1, 2, 3), weights=(1, 6, 5))[0]))
        p.place = rng.choice(places)
        p.ethnic = rng.random() < 0.08
    p.father = tuple(rng.sample(ELDER, rng.choice((1, 2, 2))))
    p.dob = (rng.randint(1960, 2008), rng.randint(1, 12), rng.randint(1, 28))
    if rng.random() < 0.7:
        state, code = rng.choice(codes)
        p.nrc = (state, code, "N" if rng.random() < 0.95 else "E", f"{rng.randrange(10**6):06d}")
    else:
        p.nrc = None
    p.phone = new_phone(rng) if rng.random() < 0.8 else None
    return p


def new_phone(rng: random.Random) -> str:
    return "9" + rng.choice(("7", "6", "4", "5", "2")) + f"{rng.randrange(10**8):08d}"


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.random()
    letter = rng.choice("aeiouykhnt")
    if op < 0.4:
        return text[:i] + letter + text[i + 1 :]
    if op < 0.7:
        return text[:i] + text[i + 1 :]
    return text[:i] + letter + text[i:]


def latin_name(rng: random.Random, syllables, honorific: str | None, *, vary: float) -> str:
    words = [s[1][0] if rng.random() > vary else rng.choice(s[1]) for s in syllables]
    roll = rng.random()
    if roll < 0.12:
        text = "".join(w.replace(" ", "") for w in words)
    elif roll < 0.15:
        text = "".join(words).replace(" ", "").lower()
    else:
        text = " ".join(words)
    if honorific:
        text = f"{honorific} {text}" if rng.random() < 0.85 else honorific + text
    if rng.random() < 0.05:
        text = text.upper()
    if rng.random() < 0.04:
        text = typo(rng, text)
    return text


def burmese_name(rng: random.Random, syllables, honorific: str | None) -> str:
    text = "".join(s[0] for s in syllables)
    if honorific:
        text = honorific + text
    if rng.random() < 0.3:
        text = to_zawgyi(text)
    return text


def honorific(rng: random.Random, person: Person) -> tuple[str, str] | None:
    if rng.random() < 0.45:
        return None
    if person.ethnic and rng.random() < 0.7:
        return rng.choice(ETHNIC_FEMALE if person.sex == "female" else ETHNIC_MALE)
    age = 2026 - person.dob[0]
    if person.sex == "female":
        return HONORIFIC_FEMALE[0 if age >= 40 else 1]
    return rng.choice(HONORIFIC_MALE[:1] if age >= 40 else HONORIFIC_MALE[1:])


def date_text(rng: random.Random, dob: tuple[int, int, int]) -> str:
    y, m, d = dob
    roll = rng.random()
    if roll < 0.12:
        return ""
    if roll < 0.17:
        y += rng.choice((-1, 1))  # misremembered year
    roll = rng.random()
    if roll < 0.15:
        text = str(y)
    elif roll < 0.25:
        text = f"{m:02d}/{d:02d}/{y}"  # month first
    elif roll < 0.32:
        text = f"{d} {MONTHS[m - 1]} {y}"
    elif roll < 0.34:
        text = f"31-02-{y}"  # impossible
    elif roll < 0.55:
        text = f"{y}-{m:02d}-{d:02d}"
    elif roll < 0.8:
        text = f"{d:02d}/{m:02d}/{y}"
    else:
        text = f"{d}-{m}-{y}"
    if rng.random() < 0.1:
        text = text.translate(MM_DIGITS)
    return text


def nrc_text(rng: random.Random, nrc) -> str:
    if nrc is None or rng.random() < 0.3:
        return ""
    state, code, kind, number = nrc
    if rng.random() < 0.02:
        i = rng.randrange(6)
        number = number[:i] + str(rng.randrange(10)) + number[i + 1 :]
    if rng.random() < 0.4:
        text = f"{state}/{code}({TYPE_LATIN[kind]}){number}".translate(MM_DIGITS)
        if rng.random() < 0.2:
            text = to_zawgyi(text)
        return text
    latin = romanise(code)
    if rng.random() < 0.2:
        latin = latin.upper()
    sep = rng.choice(("/", "/", " / "))
    return f"{state}{sep}{latin}({kind}){number}"


def phone_text(rng: random.Random, phone: str | None) -> str:
    if phone is None or rng.random() < 0.15:
        return ""
    if rng.random() < 0.25:
        phone = new_phone(rng)
    roll = rng.random()
    if roll < 0.5:
        text = "0" + phone
    elif roll < 0.7:
        text = "+95" + phone
    elif roll < 0.8:
        text = "95 " + phone
    else:
        text = f"0{phone[:1]} {phone[1:4]} {phone[4:]}"
    if rng.random() < 0.1:
        text = text.translate(MM_DIGITS)
    return text


def township_text(rng: random.Random, place, places) -> str:
    roll = rng.random()
    if roll < 0.08:
        place = rng.choice(places)  # moved, or wrote another place
    roll = rng.random()
    if roll < 0.1:
        return ""
    if roll < 0.55:
        return place[0]
    if roll < 0.85:
        return place[1]
    return place[2]


def record(rng: random.Random, p: Person, places) -> dict[str, str]:
    h = honorific(rng, p)
    has_latin = rng.random() < 0.9
    has_burmese = rng.random() < (0.6 if has_latin else 1.0)
    name = latin_name(rng, p.name, h[1] if h else None, vary=0.35) if has_latin else ""
    h2 = h if rng.random() < 0.7 else honorific(rng, p)
    name_my = burmese_name(rng, p.name, h2[0] if h2 else None) if has_burmese else ""
    father = ""
    if rng.random() < 0.6:
        if rng.random() < 0.75:
            father = latin_name(rng, p.father, "U" if rng.random() < 0.6 else None, vary=0.3)
        else:
            father = burmese_name(rng, p.father, "ဦး" if rng.random() < 0.6 else None)
    return {
        "name": name,
        "name_my": name_my,
        "father_name": father,
        "date_of_birth": date_text(rng, p.dob),
        "nrc": nrc_text(rng, p.nrc),
        "phone": phone_text(rng, p.phone),
        "township": township_text(rng, p.place, places),
    }


COLUMNS = ("id", "name", "name_my", "father_name", "date_of_birth", "nrc", "phone", "township")


def generate(rows: int, seed: int, out: Path) -> None:
    rng = random.Random(seed)
    places, codes = load_places()
    out.mkdir(parents=True, exist_ok=True)
    people: list[Person] = []
    written = 0
    with (
        (out / "people.csv").open("w", encoding="utf-8", newline="") as fh,
        (out / "labels.csv").open("w", encoding="utf-8", newline="") as lh,
    ):
        data = csv.writer(fh)
        labels = csv.writer(lh)
        data.writerow(COLUMNS)
        labels.writerow(("id", "person"))
        pending: list[tuple[int, int]] = []  # (person index, copies)
        while written < rows:
            donor = rng.choice(people) if people and rng.random() < 0.33 else None
            person = new_person(rng, places, codes, donor)
            people.append(person)
            copies = rng.choices((1, 2, 3, 4), weights=(50, 30, 13, 7))[0]
            pending.extend([(len(people) - 1, 1)] * copies)
            # Registrations of one person are spread through the file.
            if len(pending) > 2000 or written + len(pending) >= rows:
                rng.shuffle(pending)
                for index, _ in pending:
                    if written >= rows:
                        break
                    row = record(rng, people[index], places)
                    rid = f"r{written:07d}"
                    data.writerow((rid, *(row[c] for c in COLUMNS[1:])))
                    labels.writerow((rid, f"p{index:07d}"))
                    written += 1
                pending = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.rows, args.seed, args.out)


if __name__ == "__main__":
    main()
