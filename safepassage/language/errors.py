"""Typed errors raised by the parsers of this app.

Invariant: an error never carries the rejected input or any part of it.
Its `message` is a lazy, translatable sentence fit to show to the person
typing; its `code` is a stable machine-readable reason that forms pass on
as `ValidationError.code`. Logs and exception reports therefore stay free
of personal data even when an error escapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class InvalidInputError(ValueError):
    """Base of every parse error in `safepassage.language`."""

    def __init__(self, code: str, message: _StrPromise) -> None:
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        # The code only: str(message) would translate at an arbitrary time,
        # and the code is what log readers need.
        return self.code


class NRCError(InvalidInputError):
    """An NRC number could not be read."""


class PhoneNumberError(InvalidInputError):
    """A telephone number could not be read."""
