"""Fields read into comparable keys: NRC, phone, township."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.screening.records import (
    PersonRecord,
    features_from_record,
    nrc_keys,
    phone_key,
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


def test_unknown_township_is_a_warning() -> None:
    assert township_key("Atlantis on Sea") == ("", "township:unknown")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=7, max_size=7))
def test_any_record_is_read_without_raising(fields: list[str]) -> None:
    features_from_record(PersonRecord("x", *fields), this_year=2026)
