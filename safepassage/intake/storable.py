"""What a delivery may hold and the database may not: the door's check.

A provider's JSON can carry values that Python parses but that no
column, no UTF-8 encoder or no later reader accepts: a lone surrogate
(`"\\ud800"`: not encodable as UTF-8, so SQLite and PostgreSQL both
refuse it), NUL (PostgreSQL refuses it in text), an integer past 64 bits
(no integer column holds it, and as a provider id it is past the
column's length), a number that is not finite, nesting deeper than any
provider sends (a reader working at another stack depth may overflow).

`unstorable(value)` names the first such value's reason, or "". The
webhooks accept such a delivery (200) and store it quarantined: never
read into a conversation, kept encrypted as delivered for headquarters
(`docs/intake.md`, "Quarantine"). Refused with 400 is only what cannot
be kept at all: a Telegram `update_id` out of range (the update could not
be kept once) and nesting past `MAX_DEPTH` (`too_deep`: Python's own
encoder overflows on it before its parser does, so it could not even be
written back as text).

Pure: no database, no Django. The walk is iterative, so a deep value
cannot exhaust the stack here.
"""

from __future__ import annotations

import json
import math

#: Deeper than any Telegram update or Messenger event (about 8 levels).
MAX_DEPTH = 32
#: The largest value of a signed 64-bit integer (PostgreSQL's bigint).
INT64_MAX = 2**63 - 1

SURROGATE = "surrogate"
NUL = "nul"
INTEGER = "integer"
NUMBER = "number"
DEPTH = "depth"


def text_reason(text: str) -> str:
    """SURROGATE, NUL or "" for one string."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return NUL if "\x00" in text else ""


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether the parsed JSON `value` nests deeper than `limit`."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((inner, depth + 1) for inner in item.values())
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
    return False


def unstorable(value: object) -> str:
    """The reason the parsed JSON `value` cannot be stored or read, or "".

    DEPTH takes precedence over any other reason (the webhooks refuse it
    rather than quarantine it); otherwise the first reason found. One pass.
    """
    first = ""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return DEPTH
        if isinstance(item, dict):
            for key, inner in item.items():
                if not first and isinstance(key, str):
                    first = text_reason(key)
                stack.append((inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
        elif first:
            continue
        elif isinstance(item, str):
            first = text_reason(item)
        elif isinstance(item, bool) or item is None:
            pass
        elif isinstance(item, int):
            first = INTEGER if abs(item) > INT64_MAX else ""
        elif isinstance(item, float):
            first = "" if math.isfinite(item) else NUMBER
    return first


def storable_text(text: str) -> str:
    """`text` with every lone surrogate written as its escape (`\\ud800`).

    For JSON this changes nothing it means: a surrogate can stand only
    inside a string, where the escape is the same character."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def storable_json(value: object) -> str:
    """`value` as JSON text that encodes as UTF-8 (non-ASCII kept as is,
    lone surrogates and NUL escaped). Call on values within MAX_DEPTH."""
    return storable_text(json.dumps(value, ensure_ascii=False))
