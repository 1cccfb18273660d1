"""Write the labelled Burmese evaluation set, bench/language/dataset.jsonl.

Every line: {"category", "label", "input", "expected"}. `label` is
"zawgyi" (input is Zawgyi, expected is its Unicode), "unicode" or "latin"
(expected == input, i.e. normalisation must not change it). Pairs whose
Zawgyi and Unicode spellings are identical are kept once, labelled
"unicode".

Sources, all invented or public place names, no real person:
* sentences written for this set; names assembled at random from common
  syllables (seeded); short words; mixed Latin + Burmese templates;
* township names (Unicode) from MIMU v9.6 with the *independent* Zawgyi
  spellings from the same file (category "township_mimu"), so that the
  conversion is also judged against Zawgyi not produced by ICU itself.

Other Zawgyi inputs come from ICU's reverse transform ``my-Zawgyi``; a
conversion exact-match on those measures the round trip, not typists'
habits (see docs/benchmarks.md).

Usage: .venv/bin/python bench/language/make_dataset.py
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from pathlib import Path

import icu

HERE = Path(__file__).resolve().parent
TOWNSHIPS = Path("/work/shared/data/geo/myanmar_townships_mimu_v9.6.csv")
OUT = HERE / "dataset.jsonl"

SENTENCES = """\
ကျွန်တော် မနက်ဖြန် ညနေ ရောက်ပါမယ်။
ဒီနေ့ မိုးရွာနေတယ်။
ကျွန်မရဲ့ မိသားစု ရန်ကုန်မှာ နေပါတယ်။
သင်တန်းက နောက်တစ်ပတ်မှာ ပြီးမယ်။
ဘယ်နေရာမှာ တွေ့ကြမလဲ။
ဖုန်းနံပါတ် ပြောင်းသွားပြီ။
လမ်းမှာ စစ်ဆေးရေးဂိတ် ရှိတယ်။
ကျေးဇူးတင်ပါတယ်။
ကျွန်တော့်အမေ နေမကောင်းဘူး။
ညဘက် ထွက်လာဖို့ အဆင်ပြေတယ်။
ရေနဲ့ ဆေး လိုအပ်ပါတယ်။
သူ့ရဲ့ ညီလေးက ကျောင်းသားပါ။
မြို့နယ်ရုံးနားမှာ စောင့်နေမယ်။
စာရွက်စာတမ်း မပါဘူး။
နောက်ထပ် လူနှစ်ယောက် ပါလာမယ်။
ကားလမ်းက ပိတ်ထားတယ်။
အိမ်ကို ပြန်ချင်တယ်။
ဘယ်အချိန် ထွက်ရမလဲ။
သေနတ် တစ်လက် ယူလာနိုင်တယ်။
ကျွန်တော်တို့ တပ်ခွဲက မြစ်ကမ်းနားမှာ ရှိတယ်။
ဆရာဝန်နဲ့ တွေ့ချင်ပါတယ်။
အစ်ကို့ဆီ ဖုန်းဆက်ပေးပါ။
ဈေးထဲမှာ ဆန်ဈေး တက်နေတယ်။
ကလေးတွေ ကျန်းမာကြပါတယ်။
ငွေ မလုံလောက်ဘူး။
ရွာကနေ လမ်းလျှောက်လာခဲ့တယ်။
မနေ့က စာပို့ခဲ့ပါတယ်။
အကူအညီ လိုအပ်ရင် ပြောပါ။
နွေရာသီမှာ အရမ်းပူတယ်။
ဘုန်းကြီးကျောင်းမှာ ခဏ နားမယ်။
သတင်းစကား ရောက်ပြီလား။
လုံခြုံရေးအတွက် စိုးရိမ်ပါတယ်။
ညီမလေးရဲ့ မွေးနေ့ပါ။
ဗိုလ်ကြီးက အမိန့်ပေးထားတယ်။
ဓာတ်မီးနဲ့ စောင် ယူလာပါ။
ဦးလေး ခြံထဲမှာ အလုပ်လုပ်တယ်။
ကြက်ဥ ဆယ်လုံး ဝယ်ခဲ့တယ်။
ချောင်းကို ဖြတ်ပြီး ကူးရမယ်။
သုံးရက်အတွင်း ပြန်ဆက်သွယ်ပါမယ်။
ကျွန်ုပ်တို့ ဌာနကို ဆက်သွယ်ပါ။
ဥပဒေအရ ဆောင်ရွက်ပါမည်။
ရုံး၏ လိပ်စာကို မသိပါ။
အင်္ဂလိပ်စာ နည်းနည်း တတ်တယ်။
သင်္ဘောဆိပ်မှာ အလုပ်လုပ်ခဲ့တယ်။
မန္တလေး၊ ပုဂံ၊ တောင်ကြီး။
ကမ္ဘာ့ကုလသမဂ္ဂ။
၂၀၂၄ ခုနှစ် ဇန်နဝါရီလ ၁၅ ရက်။
လေ့ကျင့်ရေးစခန်းကနေ ထွက်ပြေးချင်တယ်။
ကျွန်တော့်မှာ သေနတ်နဲ့ ကျည်ဆံ ပါတယ်။
ဘယ်သူ့ကိုမှ မပြောပါနဲ့။
""".splitlines()

SYLLABLES = [
    "အောင်",
    "ကျော်",
    "မင်း",
    "ထွန်း",
    "ဇော်",
    "ဝင်း",
    "လှ",
    "မြ",
    "သန်း",
    "စိုး",
    "နိုင်",
    "ခင်",
    "မောင်",
    "ဟိန်း",
    "ထက်",
    "ဖြိုး",
    "သူ",
    "နွယ်",
    "ဆွေ",
    "ချို",
    "ပိုင်",
    "ညို",
    "ရီ",
    "ဝေ",
    "ဇင်",
    "မာ",
    "သော်",
    "တင်",
    "ကြည်",
    "ပြည့်",
    "လွင်",
    "သီ",
    "ရည်",
    "မျိုး",
    "ဦး",
    "ဘ",
    "ညွန့်",
    "ရွှေ",
    "ငြိမ်း",
    "ဖုန်း",
    "ကောင်း",
    "ဝါ",
    "ခိုင်",
    "သက်",
    "ယု",
    "ဇာ",
    "နီ",
    "မြင့်",
    "ဇေ",
]
HONORIFICS = ["", "", "ဦး", "ဒေါ်", "ကို", "မ", "မောင်", "ဗိုလ်ကြီး "]
SHORT_WORDS = [
    "ရွာ",
    "မြို့",
    "တပ်",
    "ဖုန်း",
    "လမ်း",
    "ရေ",
    "ဆေး",
    "ကို",
    "ဟုတ်",
    "မဟုတ်",
    "ပါ",
    "ဘယ်",
    "ဒီ",
    "ညနေ",
    "မနက်",
    "နေ့",
    "ည",
    "ဝ",
    "ကား",
    "လူ",
    "အိမ်",
    "ငွေ",
    "စာ",
    "ဆန်",
    "ကျည်",
    "မီး",
    "ဦး",
    "ဧည့်",
    "ပြု",
    "ရဲ",
    "စစ်",
    "ဗိုလ်",
    "တပ်ရင်း",
    "တပ်ခွဲ",
    "ကျွန်တော်",
    "ကျွန်မ",
    "ကျေးဇူး",
    "ဟုတ်ကဲ့",
    "မသိ",
    "လာမယ်",
    "သွား",
    "ပြန်",
    "ဘေး",
    "နား",
]
LATIN = [
    "Hello",
    "OK, tomorrow 6pm",
    "LIB 77",
    "Aung Kyaw",
    "Mandalay",
    "I can bring 2 rifles",
    "Battalion 33, Sagaing",
    "see you at the bridge",
    "Thanks!",
    "Mg Mg",
    "Tatmadaw",
    "phone changed",
    "Ma Ma Hla",
    "NUG",
    "PDF",
    "Zaw Min",
]
MIXED_TEMPLATES = [
    "Name: {name}",
    "{name} (Mg {latin})",
    "LIB {n} {sentence}",
    "{sentence} OK",
    "call {name} 09{n}",
    "{word} - {word2}",
    "from {word} to {word2} by car",
    "{name} / {name2}",
    "Battalion {n}: {sentence}",
]


def _name(rng: random.Random) -> str:
    honorific = rng.choice(HONORIFICS)
    body = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
    return honorific + body


def build() -> list[dict[str, str]]:
    rng = random.Random(20251125)
    to_zawgyi = icu.Transliterator.createInstance("my-Zawgyi")
    rows: list[dict[str, str]] = []

    def pair(category: str, unicode_text: str, zawgyi_text: str | None = None) -> None:
        unicode_text = unicodedata.normalize("NFC", unicode_text)
        zawgyi = zawgyi_text if zawgyi_text is not None else to_zawgyi.transliterate(unicode_text)
        rows.append(
            {
                "category": category,
                "label": "unicode",
                "input": unicode_text,
                "expected": unicode_text,
            }
        )
        if zawgyi != unicode_text:
            rows.append(
                {"category": category, "label": "zawgyi", "input": zawgyi, "expected": unicode_text}
            )

    for s in SENTENCES:
        if s.strip():
            pair("sentence", s)
    for _ in range(300):
        pair("name", _name(rng))
    for w in SHORT_WORDS + SYLLABLES:
        pair("short", w)
    sentences = [s for s in SENTENCES if s.strip()]
    for _ in range(200):
        template = rng.choice(MIXED_TEMPLATES)
        values = {
            "name": _name(rng),
            "name2": _name(rng),
            "latin": rng.choice(LATIN),
            "n": str(rng.randint(1, 999)),
            "sentence": rng.choice(sentences),
            "word": rng.choice(SHORT_WORDS),
            "word2": rng.choice(SHORT_WORDS),
        }
        unicode_text = template.format(**values)
        zvalues = {k: to_zawgyi.transliterate(v) for k, v in values.items()}
        pair("mixed", unicode_text, template.format(**zvalues))
    # A Unicode run and a Zawgyi run in one string: the case that decides
    # between per-run and whole-string detection.
    for _ in range(100):
        left, right = _name(rng), rng.choice(sentences)
        if rng.random() < 0.5:
            text, zawgyi = f"{left} / {right}", f"{left} / {to_zawgyi.transliterate(right)}"
        else:
            text, zawgyi = f"{left}: {right}", f"{to_zawgyi.transliterate(left)}: {right}"
        if zawgyi != text:
            rows.append(
                {
                    "category": "mixed_encodings",
                    "label": "zawgyi",
                    "input": zawgyi,
                    "expected": unicodedata.normalize("NFC", text),
                }
            )
    with TOWNSHIPS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            # MIMU's names carry a few ZERO WIDTH SPACEs, which normalisation
            # removes by design; drop them so the comparison is about encoding.
            pair(
                "township_mimu",
                row["township_my"].replace("\u200b", ""),
                row["township_my_zawgyi"].replace("\u200b", ""),
            )
    for s in LATIN:
        rows.append({"category": "latin", "label": "latin", "input": s, "expected": s})
    return rows


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {OUT.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
