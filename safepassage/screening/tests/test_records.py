"""Fields read into comparable keys: NRC, phone, township."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.screening.records import (
    PLACEHOLDERS,
    PersonRecord,
    features_from_fields,
    features_from_record,
    nrc_keys,
    phone_key,
    placeholder,
    township_key,
)


def test_nrc_in_latin_and_burmese_script_has_one_key() -> None:
    latin = nrc_keys("12/MaYaKa(N)123456")
    burmese = nrc_keys("၁၂/မရက(နိုင်)၁၂၃၄၅၆")
    assert latin == burmese
    assert latin[0] == "12/မရက/123456"
    assert nrc_keys("12 / MAYAKA (N) 123456")[0] == latin[0]


@pytest.mark.parametrize(
    "text",
    [
        "12-MaYaKa-N-123456",
        "12/MaYaKa/N/123456",
        "12 MaYaKa N 123456",
        "12MaYaKaN123456",
        "12.mayaka.naing.123456",
        "12/MaYaKa 123456",
    ],
)
def test_nrc_without_brackets_around_its_type_is_read(text: str) -> None:
    assert nrc_keys(text) == ("12/မရက/123456", "12:123456", "")


@pytest.mark.parametrize(
    "text", ["၁၂/မရက၁၂၃၄၅၆", "၁၂/မရကနိုင်၁၂၃၄၅၆", "12 / မရက 123456", "၁၂မရက(နိုင်)၁၂၃၄၅၆"]
)
def test_burmese_nrc_without_brackets_is_read(text: str) -> None:
    assert nrc_keys(text) == ("12/မရက/123456", "12:123456", "")


def test_an_nrc_of_no_known_shape_keeps_its_state_and_number() -> None:
    assert nrc_keys("12/??/123456") == ("", "12:123456", "nrc:format")
    assert nrc_keys("44/??/123456") == ("", "", "nrc:format")


def test_nrc_with_unknown_township_keeps_its_number() -> None:
    full, number, warning = nrc_keys("12/Qqqq(N)123456")
    assert (full, number, warning) == ("", "12:123456", "nrc:township")


@pytest.mark.parametrize("text", ["123", "hello", "99/MaYaKa(N)123456"])
def test_unreadable_nrc_is_a_warning(text: str) -> None:
    full, _number, warning = nrc_keys(text)
    assert full == ""
    assert warning.startswith("nrc:")


@pytest.mark.parametrize(
    "text", ["09 797 123456", "+959797123456", "959797123456", "၀၉၇၉၇၁၂၃၄၅၆", "(09) 797-123-456"]
)
def test_phone_forms_have_one_key(text: str) -> None:
    assert phone_key(text) == ("9797123456", "")


@pytest.mark.parametrize("text", ["MMR013042", "Mayangone", "Mayangon", "မရမ်းကုန်း", "mmr013042"])
def test_township_by_pcode_or_name(text: str) -> None:
    assert township_key(text) == ("MMR013042", "")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("09420000111 / 09420000222", "9420000111"),
        ("09420000111, 09420000222", "9420000111"),
        ("09 420 000 111 or 09 420 000 222", "9420000111"),
        ("၀၉၄၂၀၀၀၀၁၁၁၊ ၀၉၄၂၀၀၀၀၂၂၂", "9420000111"),
    ],
)
def test_the_first_of_several_phones_in_a_cell_is_read(text: str, key: str) -> None:
    assert phone_key(text) == (key, "")


@pytest.mark.parametrize("text", ["Hpa-An Township", "HPA-AN TS", "Hpa-An Tsp.", "ဘားအံမြို့နယ်"])
def test_township_words_are_ignored(text: str) -> None:
    assert township_key(text) == ("MMR003001", "")


@pytest.mark.parametrize(
    "text",
    [
        *("-", "N/A", "n/a", "nil", "None", "NULL", " 0 ", "unknown"),
        *("မရှိ", "မရှိပါ", "မသိ", "မသိပါ", "မသိရ"),
        # Zawgyi: the medial ha is U+103D, typed before or after the vowel.
        *("မရိွ", "မရွိ", "မရွိပါ", "မရိွပါ"),
    ],
)
def test_placeholders_read_as_empty_cells_without_a_warning(text: str) -> None:
    assert placeholder(text)
    f = features_from_fields("x", text, text, text, text, text, text, text, this_year=2026)
    assert (f.names, f.father, f.dob, f.nrc, f.nrc_number, f.phone, f.township) == (
        (),
        "",
        None,
        "",
        "",
        "",
        "",
    )
    assert f.warnings == ()


@pytest.mark.parametrize("text", ["Na Na", "Nil Ar", "Zaw", "မမ", "0942"])
def test_names_and_values_that_resemble_a_placeholder_are_kept(text: str) -> None:
    assert not placeholder(text)


@given(st.sampled_from(sorted(PLACEHOLDERS)), st.sampled_from(["", " ", ".", "\u3000", "\t"]))
def test_every_placeholder_is_one_however_cased_and_padded(text: str, pad: str) -> None:
    for typed in (text, text.upper(), text.title()):
        assert placeholder(pad + typed + pad)


def test_unknown_township_is_a_warning() -> None:
    assert township_key("Atlantis on Sea") == ("", "township:unknown")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=7, max_size=7))
def test_any_record_is_read_without_raising(fields: list[str]) -> None:
    features_from_record(PersonRecord("x", *fields), this_year=2026)
