"""Form fields that normalise at the input boundary.

Every form that takes Burmese text, an NRC or a phone number uses these
fields, so what reaches services and blind indexes is already canonical:
`BurmeseCharField` → Unicode NFC text, `NRCField` → `NRC.canonical`,
`PhoneNumberField` → E.164. Errors are `ValidationError`s with the parser's
translatable message and stable code, and never echo the input.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from safepassage.language.errors import InvalidInputError
from safepassage.language.normalize import normalize_text
from safepassage.language.nrc import parse_nrc
from safepassage.language.phone import DEFAULT_ALLOWED_REGIONS, normalize_phone


class BurmeseCharField(forms.CharField):
    """A CharField whose value is passed through `normalize_text`.

    Normalisation runs before the length and other validators, so
    `max_length` counts the stored (Unicode) characters.
    """

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return normalize_text(text) if text else text


class NRCField(forms.CharField):
    """An NRC number in any accepted form; cleans to `NRC.canonical`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if not text:
            return text
        try:
            return parse_nrc(text).canonical
        except InvalidInputError as error:
            raise ValidationError(error.message, code=error.code) from None


class PhoneNumberField(forms.CharField):
    """A telephone number; cleans to E.164 (``+959…``)."""

    def __init__(
        self,
        *,
        allowed_regions: Collection[str] | None = DEFAULT_ALLOWED_REGIONS,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("max_length", 40)
        self.allowed_regions = allowed_regions
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if not text:
            return text
        try:
            return normalize_phone(text, allowed_regions=self.allowed_regions)
        except InvalidInputError as error:
            raise ValidationError(error.message, code=error.code) from None
