"""Zawgyi conversion word by word gives what the whole string gives."""

from __future__ import annotations

import icu
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.screening import zawgyi

_TO_ZAWGYI = icu.Transliterator.createInstance("my-Zawgyi")

# Unicode letters and marks, Zawgyi-only code points, digits, space-like
# characters: everything the rules read, in any order.
_LETTERS = [*"ကခဂငစဆဇညတထဒနပဖဗမယရလဝသဟအဥဦဧဩ"]
_MARKS = [*"ါာိီုူေဲံ့း်္ျြွှ"]
_ALPHABET = [
    *_LETTERS,
    *_MARKS,
    *"\u1050\u105a\u1060\u106a\u106b\u1071\u107e\u1080\u1084\u1086\u108f\u1090\u1094",
    *"၀၁၄၇၎",
    *"  \u00a0\u200b",
]


def test_the_rules_are_those_the_proof_reads() -> None:
    # An ICU with other Zawgyi-my rules converts whole strings (still
    # correct, only slower); if this fails, read the new rules against the
    # module docstring before changing RULES_SHA256.
    assert zawgyi.WORDWISE, "ICU's Zawgyi-my rules changed: see safepassage/screening/zawgyi.py"


@pytest.mark.parametrize(
    "text",
    [
        "ေက်ာ္ ဇင္",  # ေ first: reordered within its word
        "ကို ေအာင္ ျမင့္",
        "ေမာင္ ၀င္း",  # a digit: converted whole
        "ေအး ့ေမာင္",  # a word starting with a mark: converted whole
        "ေအး  ေမာင္",  # two spaces: converted whole
        "က\u200b ခ",  # a ZERO WIDTH SPACE: converted whole
        "ျမ ႏွင္း",
        "ဥၡ ၎",
    ],
)
def test_known_names_convert_as_the_whole_string(text: str) -> None:
    assert zawgyi.transliterate(text) == zawgyi.whole(text)


def test_words_are_converted_once() -> None:
    zawgyi._word.cache_clear()
    zawgyi.transliterate("ေက်ာ္ ဇင္ ေအာင္")
    zawgyi.transliterate("ေက်ာ္ ဇင္ ထြန္း")
    info = zawgyi._word.cache_info()
    assert (info.hits, info.misses) == (2, 4)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), min_size=1, max_size=24))
def test_any_text_converts_as_the_whole_string(text: str) -> None:
    assert zawgyi.transliterate(text) == zawgyi.whole(text)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_LETTERS), st.text(alphabet=st.sampled_from(_MARKS), max_size=4)
        ).map("".join),
        min_size=2,
        max_size=5,
    )
)
def test_zawgyi_spelt_names_convert_as_the_whole_string(syllables: list[str]) -> None:
    # Unicode text written out as Zawgyi, words joined by one space: the
    # path that is taken word by word.
    text = " ".join(_TO_ZAWGYI.transliterate(s) for s in syllables)
    assert zawgyi.transliterate(text) == zawgyi.whole(text)
