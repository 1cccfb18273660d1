"""Burmese (Myanmar) digits ၀-၉ and ASCII digits 0-9.

Only the ten Myanmar digits U+1040-U+1049 are mapped. The Shan digits
(U+1090-U+1099) are left alone: nothing in the product's input needs them,
and mapping them silently would hide an encoding mistake.
"""

from __future__ import annotations

MYANMAR_DIGITS = "၀၁၂၃၄၅၆၇၈၉"
ASCII_DIGITS = "0123456789"

_TO_ASCII = str.maketrans(MYANMAR_DIGITS, ASCII_DIGITS)
_TO_MYANMAR = str.maketrans(ASCII_DIGITS, MYANMAR_DIGITS)


def digits_to_ascii(text: str) -> str:
    """Replace each Myanmar digit with its ASCII digit; all else unchanged."""
    if text.isascii():  # constant time; translate looks up every character
        return text
    return text.translate(_TO_ASCII)


def digits_to_myanmar(text: str) -> str:
    """Replace each ASCII digit with its Myanmar digit; all else unchanged."""
    return text.translate(_TO_MYANMAR)
