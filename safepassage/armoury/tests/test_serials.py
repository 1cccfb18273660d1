"""The serial rule: what tired typing may change, the key does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safepassage.armoury.serials import SerialError, serial_normalize

ALNUM = st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ0123456789abcxyz", min_size=1, max_size=20)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("MA1-204518", "MA1204518"),
        ("ma1 204 518", "MA1204518"),
        ("MA1.2O4518", "MA1204518"),  # O for 0 between digits
        ("MA1-2045I8", "MA1204518"),  # I for 1
        ("MAl-204518", "MA1204518"),  # l (L) after letters, before a dash and digits
        ("ＭＡ１－２０４５１８", "MA1204518"),  # fullwidth
        ("MA၁-၂၀၄၅၁၈", "MA1204518"),  # Burmese digits
        ("MA1-2ဝ4518", "MA1204518"),  # Burmese wa typed for zero
        ("МА1-204518", "MA1204518"),  # Cyrillic М and А
        ("ΜΑ1-204518", "MA1204518"),  # Greek Μ and Α
        ("BA 63 OO1", "BA63001"),
        ("LOT5", "LOT5"),  # a run between letters stays letters
        ("MOL", "MOL"),
        ("ab\u200bc-12", "ABC12"),  # zero-width space removed
    ],
)
def test_typed_variants_share_one_key(typed, key):
    assert serial_normalize(typed) == key


@pytest.mark.parametrize("typed", ["", "   ", "---", "...", "\u200b", "!!??"])
def test_text_without_letter_or_digit_is_refused(typed):
    with pytest.raises(SerialError):
        serial_normalize(typed)


def test_overlong_serial_is_refused():
    with pytest.raises(SerialError):
        serial_normalize("A" * 201)
    with pytest.raises(SerialError):
        serial_normalize("A1" * 40)


def test_zawgyi_digits_and_letters_are_made_unicode_first():
    # Zawgyi and Unicode share the digit code points; a Zawgyi-typed serial
    # with a Burmese letter prefix keeps the prefix and converts digits.
    assert serial_normalize("မ-၁၂၃") == serial_normalize("မ ၁၂၃")


@given(st.text(max_size=200))
def test_any_text_gives_a_key_or_a_serial_error(text):
    try:
        key = serial_normalize(text)
    except SerialError:
        return
    assert key
    assert len(key) <= 64
    assert " " not in key
    assert "-" not in key
    assert serial_normalize(key) == key  # idempotent


@given(ALNUM, st.lists(st.sampled_from([" ", "-", ".", "/", "_", "\u200b"]), max_size=5), st.data())
def test_separators_anywhere_change_nothing(text, separators, data):
    typed = text
    for sep in separators:
        at = data.draw(st.integers(min_value=0, max_value=len(typed)))
        typed = typed[:at] + sep + typed[at:]
    assert serial_normalize(typed) == serial_normalize(text)


@given(ALNUM)
def test_case_fullwidth_and_burmese_digits_change_nothing(text):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in text)
    burmese = text.translate(str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉"))
    key = serial_normalize(text)
    assert serial_normalize(text.lower()) == key
    assert serial_normalize(fullwidth) == key
    assert serial_normalize(burmese) == key


@pytest.mark.parametrize("text", ["O¨", "A\u0301", "ǅ1", "ﬁ1", "ß"])
def test_marks_brought_together_by_the_rule_settle_in_one_call(text):
    """A dropped spacing mark leaves a combining one that NFKC composes."""
    key = serial_normalize(text)
    assert serial_normalize(key) == key
