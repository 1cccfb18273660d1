"""Small readers' helpers every channel shares (no channel imports another)."""

from __future__ import annotations

from safepassage.language import normalize_text


def text_of(value: object) -> str:
    """A provider's text, Burmese converted from Zawgyi; "" for a non-string."""
    return normalize_text(value) if isinstance(value, str) else ""


def language_of(code: object) -> str:
    return "my" if isinstance(code, str) and code.lower().startswith("my") else "en"
