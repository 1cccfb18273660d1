"""Dates of birth as they come: partial, swapped, in Burmese digits.

`parse_birth_date` reads a typed date into a `PartialDate` (year, and month
and day when known) and never raises: what it cannot read becomes a warning
code beside whatever part could be kept.

* Forms: ``1990``; ``1990-05-12`` / ``1990/5/12``; ``12-05-1990``,
  ``12/5/1990``, ``12.05.1990`` (day first, the Myanmar habit); ``05/1990``;
  ``12 May 1990``, ``May 12, 1990``, ``May 1990``; two-digit years
  (``12/5/90``, read 19xx/20xx around the current year, with a warning).
  Myanmar digits are read as ASCII.
* Day and month: a day-first reading is taken when valid; if only the
  month-first reading is valid (``05/31/1990``), that one is taken with the
  warning ``swapped``. Comparison treats any date whose day and month are
  both 12 or less as possibly swapped (see `compare_dates`).
* Spreadsheet habits: a time after the date (``1990-05-12 00:00:00``) is
  ignored; a five-digit number is a spreadsheet's day count
  (``32995`` = 1990-05-02, warning ``serial``); 1 January is read as the
  year alone, because registration systems write it for "day and month
  unknown" (two people "born 01/01/1990" share a year, not a birthday).
* An impossible date (``31-02-1990``) keeps its year alone, with the
  warning ``impossible``; a year outside 1900..this year is dropped with
  ``year_range``; text that is not a date at all gives ``unreadable``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import IntEnum

from django.utils import timezone

from safepassage.language import digits_to_ascii

MIN_YEAR = 1900

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        )
    )
    for name in names
}
_NUMBERS = re.compile(r"\d+")
_TIME = re.compile(r"(?:\s+|t)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:am|pm)?$")
#: Day 0 of spreadsheets' day counts (Excel, LibreOffice, Google Sheets).
_SERIAL_EPOCH = dt.date(1899, 12, 30)
_WORDS = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of birth as far as it is known: month and day may be 0."""

    year: int
    month: int = 0
    day: int = 0

    @property
    def full(self) -> bool:
        return self.day > 0

    def swappable(self) -> bool:
        return self.full and self.day <= 12 and self.month <= 12 and self.day != self.month

    def __str__(self) -> str:
        if self.full:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass(frozen=True, slots=True)
class ParsedDate:
    date: PartialDate | None
    warning: str = ""  # "", "swapped", "impossible", "year_range", "two_digit_year",
    # "unreadable"


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _year(text: str, this_year: int) -> tuple[int, str]:
    value = int(text)
    if len(text) <= 2:
        century = 2000 if 2000 + value <= this_year else 1900
        return century + value, "two_digit_year"
    return value, ""


def parse_birth_date(text: str, *, this_year: int | None = None) -> ParsedDate:
    """Read a typed date of birth; see the module docstring. Never raises."""
    if this_year is None:
        this_year = timezone.now().year
    text = _TIME.sub("", digits_to_ascii(text or "").strip().lower()[:40])
    if not text:
        return ParsedDate(None)
    if len(text) == 5 and text.isdigit() and text[0] != "0":
        serial = _SERIAL_EPOCH + dt.timedelta(days=int(text))
        if not MIN_YEAR <= serial.year <= this_year:
            return ParsedDate(None, "year_range")
        return _known(serial.year, serial.month, serial.day, "serial")
    numbers = _NUMBERS.findall(text)
    if not numbers:
        return ParsedDate(None, "unreadable")
    month_word = next((_MONTHS[w] for w in _WORDS.findall(text) if w in _MONTHS), 0)
    if any(len(n) > 4 for n in numbers) or len(numbers) > 3:
        if len(numbers) == 1 and len(numbers[0]) == 8:
            n = numbers[0]  # 19900512 or 12051990
            numbers = [n[:4], n[4:6], n[6:]] if n[:2] in ("19", "20") else [n[:2], n[2:4], n[4:]]
        else:
            return ParsedDate(None, "unreadable")
    warning = ""
    year = month = day = 0
    if month_word:
        month = month_word
        years = [n for n in numbers if len(n) == 4]
        days = [n for n in numbers if len(n) <= 2]
        if not years and days:
            year, warning = _year(days.pop(), this_year)
        elif years:
            year = int(years[0])
        day = int(days[0]) if days else 0
        if not year:
            return ParsedDate(None, "unreadable")
    elif len(numbers) == 1:
        if len(numbers[0]) not in (2, 4):
            return ParsedDate(None, "unreadable")
        year, warning = _year(numbers[0], this_year)
    elif len(numbers) == 2:
        a, b = numbers
        if len(a) == 4:
            year, month = int(a), int(b)
        elif len(b) in (2, 4):
            year, warning = _year(b, this_year)
            month = int(a)
        else:
            return ParsedDate(None, "unreadable")
        if not 1 <= month <= 12:
            month, warning = 0, "impossible"
    else:
        a, b, c = numbers
        if len(a) == 4:
            year, first, second = int(a), int(c), int(b)  # y-m-d: day is last
        elif len(c) in (2, 4):
            year, warning = _year(c, this_year)
            first, second = int(a), int(b)  # day first
        else:
            return ParsedDate(None, "unreadable")
        if _valid(year, second, first) if year >= 1 else False:
            day, month = first, second
        elif year >= 1 and _valid(year, first, second):
            day, month, warning = second, first, "swapped"
        else:
            # Which part is wrong is unknown: keep the year alone.
            day, month = 0, 0
            warning = "impossible"
    if not MIN_YEAR <= year <= this_year:
        return ParsedDate(None, "year_range")
    if day and not _valid(year, month, day):
        return ParsedDate(PartialDate(year), "impossible")
    return _known(year, month, day, warning)


def _known(year: int, month: int, day: int, warning: str) -> ParsedDate:
    if (month, day) == (1, 1):  # "day and month unknown"
        return ParsedDate(PartialDate(year), warning)
    return ParsedDate(PartialDate(year, month, day), warning)


class DateMatch(IntEnum):
    """How two partial dates of birth agree, strongest last."""

    DIFFERENT = 0
    YEAR_NEAR = 1  # years one apart, nothing else known to agree
    SLIP = 2  # two full dates one typed digit apart (1990-03-12 / 1990-08-12)
    YEAR_NEAR_DAY = 3  # years one apart, same day and month (age counted
    # the Burmese way, or a slip of the year)
    YEAR = 4  # same year; at least one side knows only the year
    YEAR_MONTH = 5  # same year and month; a day is missing or differs
    SWAPPED = 6  # same year; day and month swapped
    EXACT = 7


def digits_apart(x: int, y: int, width: int) -> int:
    """In how many of their `width` decimal digits `x` and `y` differ."""
    apart = 0
    for _ in range(width):
        apart += x % 10 != y % 10
        x, y = x // 10, y // 10
    return apart


def compare_dates(a: PartialDate, b: PartialDate) -> DateMatch:
    """How `a` and `b` agree. A single mistyped digit between two full
    dates (of the eight of YYYYMMDD) is a `SLIP`, not a different date;
    a day differing in both digits stays `YEAR_MONTH`."""
    if a.year != b.year:
        if abs(a.year - b.year) != 1:
            if (
                a.full
                and b.full
                and (a.month, a.day) == (b.month, b.day)
                and digits_apart(a.year, b.year, 4) == 1
            ):
                return DateMatch.SLIP
            return DateMatch.DIFFERENT
        if a.full and b.full and {a.day, a.month} == {b.day, b.month}:
            return DateMatch.YEAR_NEAR_DAY
        return DateMatch.YEAR_NEAR
    if not a.month or not b.month:
        return DateMatch.YEAR
    if a.full and b.full:
        if a.month == b.month and a.day == b.day:
            return DateMatch.EXACT
        if a.month == b.day and a.day == b.month:
            return DateMatch.SWAPPED
        if a.month == b.month:
            return DateMatch.SLIP if digits_apart(a.day, b.day, 2) == 1 else DateMatch.YEAR_MONTH
        if a.day == b.day and digits_apart(a.month, b.month, 2) == 1:
            return DateMatch.SLIP
        return DateMatch.DIFFERENT
    if a.month == b.month:
        return DateMatch.YEAR_MONTH
    # One side has no day: its month may be the other's swapped day.
    full = a if a.full else b
    part = b if a.full else a
    if full.full and full.day == part.month and full.month <= 12:
        return DateMatch.YEAR
    return DateMatch.DIFFERENT
