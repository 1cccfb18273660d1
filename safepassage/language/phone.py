"""Telephone numbers to E.164 with `phonenumbers`.

Decisions:
* Default region MM: ``09…`` is a Myanmar mobile. ``959…`` without ``+``
  is read as +95 when that is a valid Myanmar number.
* Accepted regions default to MM and TH (people cross to Thailand and
  keep Thai SIMs); callers may widen `allowed_regions` (e.g. CN, IN for
  border areas). A Thai number must be typed with +66 or 66: a bare
  ``08…`` is a Myanmar landline by the default region.
* Validity is `phonenumbers.is_valid_number` (allocated ranges), not mere
  length, so a typo in the operator prefix is caught at input.
* Only digits (ASCII or Myanmar), spaces, ``+ - . ( ) /`` are allowed:
  letters would be read as a vanity number by `phonenumbers`.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import phonenumbers
from django.utils.translation import gettext_lazy as _

from safepassage.language.digits import digits_to_ascii
from safepassage.language.errors import PhoneNumberError

DEFAULT_REGION = "MM"
DEFAULT_ALLOWED_REGIONS: frozenset[str] = frozenset({"MM", "TH"})
MAX_INPUT_LENGTH = 40

_ALLOWED = re.compile(r"[0-9+\-.()/ \t\u00a0]+")

_INVALID = _("Enter a valid phone number, e.g. 09 7xx xxx xxx or +66 8x xxx xxxx.")
_REGION = _("Phone numbers from this country are not accepted here.")


def normalize_phone(
    text: str,
    *,
    default_region: str = DEFAULT_REGION,
    allowed_regions: Collection[str] | None = DEFAULT_ALLOWED_REGIONS,
) -> str:
    """The E.164 form (``+959…``) of a typed phone number.

    `allowed_regions=None` accepts any region. Raises `PhoneNumberError`
    with code ``invalid`` or ``region``; the error never holds the input.
    """
    if len(text) > MAX_INPUT_LENGTH:
        raise PhoneNumberError("invalid", _INVALID)
    text = digits_to_ascii(text).strip()
    if not _ALLOWED.fullmatch(text) or text.count("+") > 1 or "+" in text.lstrip("+"):
        raise PhoneNumberError("invalid", _INVALID)
    digits = re.sub(r"\D", "", text)
    candidates = [text]
    if not text.startswith("+"):
        # "959…" / "66…": a country code typed without its plus.
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            region = phonenumbers.region_code_for_number(number)
            if allowed_regions is not None and region not in allowed_regions:
                raise PhoneNumberError("region", _REGION)
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise PhoneNumberError("invalid", _INVALID)
