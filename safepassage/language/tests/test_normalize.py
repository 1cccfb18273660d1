"""normalize_text: Zawgyi converted only when detected, Unicode untouched."""

from __future__ import annotations

import re
import unicodedata

import icu
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from safepassage.language import NormalizedText, normalize_text, normalize_text_detailed
from safepassage.language.normalize import MYANMAR_CLASS, burmese_runs

TO_ZAWGYI = icu.Transliterator.createInstance("my-Zawgyi")

UNICODE_SAMPLES = [
    "မြန်မာ",
    "ကျွန်တော် မနက်ဖြန် ညနေ ရောက်ပါမယ်။",
    "မင်းအောင်",
    "ဦးအောင်ကျော်",
    "အင်္ဂလိပ်စာ နည်းနည်း တတ်တယ်။",
    "မန္တလေး၊ ပုဂံ၊ တောင်ကြီး။",
    "၂၀၂၄ ခုနှစ်",
]


@pytest.mark.parametrize("text", UNICODE_SAMPLES)
def test_unicode_burmese_is_returned_unchanged(text: str) -> None:
    result = normalize_text_detailed(text)
    assert result.text == text
    assert not result.converted


@pytest.mark.parametrize("text", UNICODE_SAMPLES[:5])
def test_zawgyi_sentences_and_names_are_converted(text: str) -> None:
    zawgyi = TO_ZAWGYI.transliterate(text)
    assert zawgyi != text
    result = normalize_text_detailed(zawgyi)
    assert result.text == text
    assert result.converted
    assert result.zawgyi_probability >= 0.95


def test_mixed_latin_and_zawgyi_converts_only_the_burmese() -> None:
    assert normalize_text("Mg Aung ေအာင္ေက်ာ္ 09-123") == "Mg Aung အောင်ကျော် 09-123"


def test_zawgyi_name_next_to_unicode_sentence_converts_each_part() -> None:
    text = "ေဒၚသန္း: စာရွက်စာတမ်း မပါဘူး။"
    assert normalize_text(text) == "ဒေါ်သန်း: စာရွက်စာတမ်း မပါဘူး။"


def test_short_ambiguous_string_is_kept_as_typed_and_flagged() -> None:
    result = normalize_text_detailed("ေ၀")  # Zawgyi or broken Unicode: cannot tell
    assert result.text == "ေ၀"
    assert result.uncertain
    assert not result.converted
    assert 0.05 < result.zawgyi_probability < 0.95


def test_string_valid_in_both_encodings_is_not_flagged() -> None:
    result = normalize_text_detailed("ကို")
    assert result == NormalizedText("ကို", False, result.zawgyi_probability, False)


def test_latin_text_has_probability_zero() -> None:
    assert normalize_text_detailed("Hello") == NormalizedText("Hello", False, 0.0, False)


def test_zero_width_space_is_removed() -> None:
    assert normalize_text("မောင်\u200bမောင်") == "မောင်မောင်"
    assert normalize_text("\ufeffabc\u2060") == "abc"


def test_joiners_are_removed_only_next_to_burmese() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert normalize_text(family) == family
    assert normalize_text("မောင်\u200cမောင်") == "မောင်မောင်"


def test_digit_zero_typed_for_wa_becomes_the_letter() -> None:
    assert normalize_text("၀င်း") == "ဝင်း"
    assert normalize_text("၀ါ") == "ဝါ"
    assert normalize_text("၁၀၀") == "၁၀၀"


def test_output_is_nfc() -> None:
    assert normalize_text("e\u0301") == "\u00e9"
    assert normalize_text("\u1025\u102e") == "\u1026"  # ဥ + ီ composes to ဦ


def test_runs_split_at_latin_and_punctuation_but_not_spaces() -> None:
    text = "က ခ abc ဂ/ဃ"
    assert [text[a:b] for a, b in burmese_runs(text)] == ["က ခ", "ဂ", "ဃ"]


burmese_chars = st.characters(min_codepoint=0x1000, max_codepoint=0x109F)
hostile = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        burmese_chars,
        st.sampled_from("\u200b\u200c\u200d\ufeff\u2060\x00\n\t "),
    ),
    max_size=200,
)


@settings(max_examples=400, deadline=None)
@given(hostile)
def test_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_text_without_burmese_only_loses_invisibles(text: str) -> None:
    assume(not re.search(f"[{MYANMAR_CLASS}]", text))
    expected = re.sub("[\u200b\ufeff\u2060]", "", text)
    assert normalize_text(text) == unicodedata.normalize("NFC", expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*UNICODE_SAMPLES, "abc", " ", "12", "Mg"]), max_size=8))
def test_unicode_compositions_are_unchanged(parts: list[str]) -> None:
    text = " ".join(parts)
    assert normalize_text(text) == text


def test_very_long_input() -> None:
    text = ("ျမန္မာ abc " * 5000).strip()
    assert normalize_text(text) == ("မြန်မာ abc " * 5000).strip()
