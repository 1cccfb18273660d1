"""Burmese text at the input boundary: encoding, digits, NRC, phones.

Public API (stable: other apps import from here, not from submodules):
`normalize_text`, `normalize_text_detailed`, `NormalizedText`,
`digits_to_ascii`, `digits_to_myanmar`, `text_cut`, `parse_nrc`, `NRC`, `NRCType`,
`normalize_phone`, and the errors. Form fields live in
`safepassage.language.fields`. Name keys for screening will live in
`safepassage.language.names`.
"""

from safepassage.language.cut import text_cut
from safepassage.language.digits import digits_to_ascii, digits_to_myanmar
from safepassage.language.errors import InvalidInputError, NRCError, PhoneNumberError
from safepassage.language.normalize import (
    NormalizedText,
    normalize_text,
    normalize_text_detailed,
)
from safepassage.language.nrc import NRC, NRCType, parse_nrc
from safepassage.language.phone import normalize_phone

__all__ = [
    "NRC",
    "InvalidInputError",
    "NRCError",
    "NRCType",
    "NormalizedText",
    "PhoneNumberError",
    "digits_to_ascii",
    "digits_to_myanmar",
    "normalize_phone",
    "normalize_text",
    "normalize_text_detailed",
    "parse_nrc",
    "text_cut",
]
