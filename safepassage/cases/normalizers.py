"""What the blind indexes of this app hash: one canonical form per value.

Services store NRC and phone numbers already in canonical form; these
functions make the index robust to a value typed another way at look-up
time. A value that does not parse is hashed in a plain normalised form,
so a look-up for the same typing still finds it.
"""

from __future__ import annotations

from safepassage.language.digits import digits_to_ascii
from safepassage.language.errors import InvalidInputError
from safepassage.language.nrc import parse_nrc
from safepassage.language.phone import normalize_phone
from safepassage.vault.fields import default_normalizer


def nrc_key(value: str) -> str:
    try:
        return parse_nrc(value).canonical
    except InvalidInputError:
        return default_normalizer(digits_to_ascii(value))


def phone_key(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidInputError:
        digits = "".join(ch for ch in digits_to_ascii(value) if ch.isdigit())
        return digits or default_normalizer(value)
