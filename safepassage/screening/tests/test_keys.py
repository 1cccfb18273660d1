"""Name keys: romanisation variants, scripts, honorifics, run-together names."""

from __future__ import annotations

import re

import icu
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.language import digits_to_ascii
from safepassage.screening import keys
from safepassage.screening.keys import (
    coarse_text,
    key_text,
    name_key,
    name_spellings,
    to_unicode,
)

# (Burmese, Latin) syllables of invented names; the Latin is the usual one.
SYLLABLES = (
    ("အောင်", "Aung"),
    ("ကျော်", "Kyaw"),
    ("ထွန်း", "Htun"),
    ("ပြည့်", "Pyae"),
    ("ခိုင်", "Khaing"),
    ("ဇေယျာ", "Zeyar"),
    ("သက်", "Thet"),
    ("ငြိမ်း", "Nyein"),
    ("မြင့်", "Myint"),
    ("လှိုင်", "Hlaing"),
    ("ဇင်", "Zin"),
    ("ထက်", "Htet"),
    ("ဆန်း", "San"),
    ("ဖြိုး", "Phyo"),
    ("နွယ်", "Nwe"),
    ("ရွှေ", "Shwe"),
    ("နှင်း", "Hnin"),
    ("ညွန့်", "Nyunt"),
    ("ချမ်း", "Chan"),
    ("လွင်", "Lwin"),
    ("ခန့်", "Khant"),
    ("စိုး", "Soe"),
    ("မိုး", "Moe"),
    ("ဝေ", "Wai"),
)
HONORIFICS = (
    ("ဦး", "U"),
    ("ဒေါ်", "Daw"),
    ("ကို", "Ko"),
    ("မ", "Ma"),
    ("မောင်", "Maung"),
    ("မောင်", "Mg"),
    ("စော", "Saw"),
    ("နော်", "Naw"),
    ("စိုင်း", "Sai"),
    ("နန်း", "Nang"),
)
_TO_ZAWGYI = icu.Transliterator.createInstance("my-Zawgyi")

names = st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=4)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Aung", "Aong"),
        ("Kyaw", "Kyao"),
        ("Htun", "Tun"),
        ("Pyae", "Pye"),
        ("Pyae", "Pyay"),
        ("Khaing", "Khine"),
        ("Zeyar", "Zeya"),
        ("Thet", "Thett"),
        ("Nyein", "Nyain"),
        ("Myint", "Myin"),
        ("Hlaing", "Laing"),
        ("Khant", "Khan"),
        ("Phyo", "Pyo"),
        ("Nway", "Nwe"),
        ("Moe", "Mo"),
        ("Wai", "Way"),
        ("Htike", "Htaik"),
        ("Htike", "ထိုက်"),
        ("Nhin", "Hnin"),
        ("Ei Mhon", "Ei Hmon"),
        ("Kyaw Sai", "ကျော်စိုင်း"),
    ],
)
def test_each_romanisation_pair_has_one_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)
    assert name_key(a)


@pytest.mark.parametrize(("burmese", "latin"), SYLLABLES)
def test_burmese_syllable_meets_its_usual_latin_spelling(burmese: str, latin: str) -> None:
    assert name_key(burmese) == name_key(latin)


def test_keys_keep_different_names_apart() -> None:
    assert name_key("Lwin") != name_key("Lin")
    assert name_key("Kyaw Zin") != name_key("Zaw Zin")
    assert name_key("Aung Aung") != name_key("Aung")


@pytest.mark.parametrize(
    "spelling", ["ZeyarHtetSan", "zeyarhtetsan", "ZEYARHTETSAN", "Zeyar Htet San", "Zeya Htet San"]
)
def test_spaces_vanishing_do_not_change_the_key(spelling: str) -> None:
    assert name_key(spelling) == name_key("ဇေယျာထက်ဆန်း") == ("ze", "ya", "tet", "san")


@pytest.mark.parametrize(
    "spelling", ["N'Hkum Seng", "N\u2019hkum Seng", "N`HkumSeng", "Nhkum Seng"]
)
def test_an_apostrophe_joins_the_syllable_it_stands_in(spelling: str) -> None:
    assert name_key(spelling) == name_key("NHKUM SENG") == ("nhkum", "saing")


def test_hseng_is_a_name_syllable_in_both_scripts_and_sai_the_honorific() -> None:
    assert name_key("Hseng Lin") == name_key("Seng Lin") == name_key("ဆိုင်လင်း") == ("saing", "lin")
    assert name_key("Sai Hseng Lin") == name_key("စိုင်းဆိုင်လင်း") == ("saing", "lin")
    # The signs of Sai typed in the other order are still the honorific.
    assert name_key("\u1005\u102f\u102d\u1004\u103a\u1038ဆိုင်လင်း") == ("saing", "lin")
    assert name_key("Aung Sai") == name_key("အောင်စိုင်း") == ("aung", "sai")


def test_abbreviated_maung_is_an_honorific() -> None:
    assert name_key("Mg Kyaw Zin") == name_key("Kyaw Zin") == name_key("MaungKyaw Zin")


def test_sai_is_an_honorific_but_si_is_a_syllable() -> None:
    assert name_key("Sai Aung Kyaw") == name_key("စိုင်းအောင်ကျော်") == ("aung", "kyaw")
    # စည် (Si) keys like the Latin rhyme of "Sai" once did: never stripped.
    assert name_key("စည်သူ") == ("se", "tu")
    assert name_key("Sithu")[-1] == "tu"


def test_last_syllable_is_never_stripped() -> None:
    assert name_key("Maung Maung") == ("maung",)
    assert name_key("U") == ("u",)


@settings(max_examples=150, deadline=None)
@given(names, st.sampled_from(HONORIFICS))
def test_honorific_added_or_removed_keeps_the_key(syllables, honorific) -> None:
    latin = " ".join(s[1] for s in syllables)
    burmese = "".join(s[0] for s in syllables)
    if name_key(latin)[0] in ("u", "ko", "ma", "maung", "saw", "naw", "daw"):
        return  # a name that itself starts like an honorific
    assert name_key(f"{honorific[1]} {latin}") == name_key(latin)
    assert name_key(honorific[0] + burmese) == name_key(burmese)


@settings(max_examples=150, deadline=None)
@given(names)
def test_zawgyi_and_unicode_spellings_have_one_key(syllables) -> None:
    unicode_name = "".join(s[0] for s in syllables)
    zawgyi_name = _TO_ZAWGYI.transliterate(unicode_name)
    assert name_key(zawgyi_name) == name_key(unicode_name)


@settings(max_examples=150, deadline=None)
@given(names)
def test_latin_and_burmese_of_one_name_have_one_key(syllables) -> None:
    latin = " ".join(s[1] for s in syllables)
    burmese = "".join(s[0] for s in syllables)
    assert name_key(latin) == name_key(burmese)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_key_without_raising(text: str) -> None:
    key = name_key(text)
    assert isinstance(key, tuple)
    assert all(isinstance(k, str) for k in key)
    assert name_key(text) == key  # stable
    name_spellings(text)


def test_well_formed_unicode_skips_conversion() -> None:
    assert to_unicode("ကျော်ဇင်") == "ကျော်ဇင်"
    assert to_unicode("\u200bကျော်") == "ကျော်"


def test_spellings_show_the_typed_syllables_without_honorific() -> None:
    assert name_spellings("U Kyao Zin") == [("Kyao", "kyaw"), ("Zin", "zin")]


def test_coarse_text_merges_e_and_i() -> None:
    assert coarse_text(key_text(name_key("ကြည်"))) == coarse_text(key_text(name_key("Kyi")))


def test_zawgyi_asat_before_a_consonant_is_told_from_a_pali_stack() -> None:
    # Zawgyi "လြင္စိုး" is well-formed as Unicode code points, yet means Lwin Soe.
    assert name_key("\u101c\u103c\u1004\u1039\u1005\u102d\u102f\u1038") == name_key("လွင်စိုး")
    # A real Unicode stack stays what it is.
    assert to_unicode("သစ္စာဝင်း") == "သစ္စာဝင်း"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("ခင် ၀င့် သီရိ", "ခင် ဝင့် သီရိ"),  # the digit zero for the letter wa
        ("၇ဲမင်း", "ရဲမင်း"),  # the digit seven for the letter ra
        ("Lynn Kyaw", "Lin Kyaw"),
        ("lynnkyaw", "Lin Kyaw"),
        ("WYNNHTET", "Win Htet"),
    ],
)
def test_look_alike_digits_and_y_for_i_keep_the_key(typed: str, meant: str) -> None:
    assert name_key(typed) == name_key(meant)


def _chunked_key(text: str) -> tuple[str, ...]:
    """`name_key` of Burmese text by the general path alone: digits made
    ASCII, then each run of Myanmar code points split on its own."""
    text = keys.to_unicode(text[: keys.MAX_NAME_CHARS].translate(keys._DIGITS_AS_LETTERS))
    found: list[str] = []
    for chunk in re.split("([\u1000-\u109f]+)", digits_to_ascii(text)):
        if keys.has_myanmar(chunk):
            found.extend(keys.burmese_syllable_key(s) for s in keys._burmese_syllables(chunk))
        elif chunk:
            found.extend(k for _, k in keys.latin_syllables(chunk))
    found = [k for k in found if k]
    return tuple(keys.strip_honorifics(found)) if found else ()


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [*"ကခဂငစဇညတထဒနပဖဗမယရလဝသဟအဥဦ", *"ါာိီုူေဲံ့း်္ျြွှ", *"၀၁၂၇၉၊။", *" \t\u3000\u200b"]
        ),
        min_size=1,
        max_size=30,
    )
)
def test_burmese_alone_is_read_as_the_general_path_reads_it(text: str) -> None:
    assert keys.name_key.__wrapped__(text) == _chunked_key(text)
