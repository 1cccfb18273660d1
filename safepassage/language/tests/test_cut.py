"""`text_cut`: a provider's length limit never splits a letter."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from safepassage.language import text_cut
from safepassage.language.cut import ELLIPSIS, grapheme_boundaries

BURMESE = st.text(alphabet=st.characters(min_codepoint=0x1000, max_codepoint=0x109F), max_size=60)
ANY_TEXT = st.one_of(BURMESE, st.text(max_size=60))


def test_a_burmese_label_keeps_its_vowel_sign():
    label = "စစ်မှုထမ်းခေါ်ယူခံရသူ"  # 21 characters: "သ" would lose "ူ" at 20
    cut = text_cut(label, 20)
    assert cut == "စစ်မှုထမ်းခေါ်ယူခံရ…"


def test_a_latin_label_is_cut_after_a_word():
    assert text_cut("Conscript taken by force", 20) == "Conscript taken by…"


def test_what_fits_is_left_alone():
    assert text_cut("Skip", 20) == "Skip"
    assert text_cut("", 20) == ""


@given(text=ANY_TEXT, limit=st.integers(min_value=-3, max_value=40))
def test_any_cut_fits_and_ends_between_whole_letters(text, limit):
    cut = text_cut(text, limit)
    assert len(cut) <= max(limit, 0)
    if len(text) <= limit:
        assert cut == text
        return
    kept = cut.removesuffix(ELLIPSIS).rstrip()
    assert text.startswith(kept)
    stripped_to = len(kept)
    # The kept part ends at a cluster boundary of the original (trailing
    # spaces dropped at one, which is a boundary too).
    assert stripped_to in grapheme_boundaries(text) or text[stripped_to].isspace()
