"""Partial, swapped and impossible dates of birth."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safepassage.screening.dates import (
    DateMatch,
    PartialDate,
    compare_dates,
    digits_apart,
    parse_birth_date,
)


@pytest.mark.parametrize(
    ("text", "expected", "warning"),
    [
        ("1990", PartialDate(1990), ""),
        ("1990-05-12", PartialDate(1990, 5, 12), ""),
        ("12/05/1990", PartialDate(1990, 5, 12), ""),
        ("12-5-1990", PartialDate(1990, 5, 12), ""),
        ("12.05.1990", PartialDate(1990, 5, 12), ""),
        ("05/31/1990", PartialDate(1990, 5, 31), "swapped"),
        ("12 May 1990", PartialDate(1990, 5, 12), ""),
        ("May 1990", PartialDate(1990, 5), ""),
        ("05/1990", PartialDate(1990, 5), ""),
        ("၁၂-၀၅-၁၉၉၀", PartialDate(1990, 5, 12), ""),
        ("၁၉၉၀", PartialDate(1990), ""),
        ("31-02-1990", PartialDate(1990), "impossible"),
        ("12/5/90", PartialDate(1990, 5, 12), "two_digit_year"),
        ("19900512", PartialDate(1990, 5, 12), ""),
        ("1990-05-12 00:00:00", PartialDate(1990, 5, 12), ""),
        ("1990-05-12T00:00:00", PartialDate(1990, 5, 12), ""),
        ("12/5/1990 10:30 am", PartialDate(1990, 5, 12), ""),
        ("32995", PartialDate(1990, 5, 2), "serial"),
        ("၃၂၉၉၅", PartialDate(1990, 5, 2), "serial"),
        ("01/01/1990", PartialDate(1990), ""),
        ("1990-01-01 00:00:00", PartialDate(1990), ""),
        ("1 Jan 1990", PartialDate(1990), ""),
        ("01/01/90", PartialDate(1990), "two_digit_year"),
    ],
)
def test_typed_dates_are_read(text: str, expected: PartialDate, warning: str) -> None:
    parsed = parse_birth_date(text, this_year=2026)
    assert parsed.date == expected
    assert parsed.warning == warning


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("", ""),
        ("soon", "unreadable"),
        ("1850", "year_range"),
        ("2099", "year_range"),
        ("1/2/3/4", "unreadable"),
        ("99999", "year_range"),  # a day count past this year
        ("01234", "unreadable"),
    ],
)
def test_unusable_dates_give_no_date(text: str, warning: str) -> None:
    parsed = parse_birth_date(text, this_year=2026)
    assert parsed.date is None
    assert parsed.warning == warning


@given(st.text(max_size=60))
def test_any_text_is_read_without_raising(text: str) -> None:
    parsed = parse_birth_date(text, this_year=2026)
    if parsed.date is not None:
        assert 1900 <= parsed.date.year <= 2026


def test_comparisons() -> None:
    d = PartialDate(1990, 5, 12)
    assert compare_dates(d, PartialDate(1990, 5, 12)) == DateMatch.EXACT
    assert compare_dates(d, PartialDate(1990, 12, 5)) == DateMatch.SWAPPED
    assert compare_dates(d, PartialDate(1990)) == DateMatch.YEAR
    assert compare_dates(d, PartialDate(1990, 5)) == DateMatch.YEAR_MONTH
    assert compare_dates(d, PartialDate(1991, 5, 12)) == DateMatch.YEAR_NEAR_DAY
    assert compare_dates(d, PartialDate(1991)) == DateMatch.YEAR_NEAR
    assert compare_dates(d, PartialDate(1984, 5, 12)) == DateMatch.DIFFERENT
    assert compare_dates(d, PartialDate(1990, 7, 1)) == DateMatch.DIFFERENT


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (PartialDate(1980, 5, 12), DateMatch.SLIP),  # 1990 typed 1980
        (PartialDate(1990, 5, 13), DateMatch.SLIP),  # day 12 typed 13
        (PartialDate(1990, 5, 22), DateMatch.SLIP),  # day 12 typed 22
        (PartialDate(1990, 8, 12), DateMatch.SLIP),  # month 05 typed 08
        (PartialDate(1990, 5, 21), DateMatch.YEAR_MONTH),  # both digits of the day
        (PartialDate(1990, 8, 13), DateMatch.DIFFERENT),  # two slips are not one
        (PartialDate(1980, 5, 13), DateMatch.DIFFERENT),
        (PartialDate(1991, 5, 12), DateMatch.YEAR_NEAR_DAY),  # adjacent years win
        (PartialDate(1980, 5), DateMatch.DIFFERENT),  # a slip needs two full dates
    ],
)
def test_one_mistyped_digit_is_a_slip(other: PartialDate, expected: DateMatch) -> None:
    d = PartialDate(1990, 5, 12)
    assert compare_dates(d, other) == expected
    assert compare_dates(other, d) == expected


def test_digits_apart() -> None:
    assert digits_apart(1990, 1980, 4) == 1
    assert digits_apart(1990, 1909, 4) == 2
    assert digits_apart(5, 5, 2) == 0
    assert digits_apart(1, 11, 2) == 1
