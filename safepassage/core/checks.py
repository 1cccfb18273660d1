"""System checks of the deployment.

`SECRET_KEY` signs the web form's tokens and Django's own signatures, so
a key that can be guessed or copied from an example lets anyone forge
them. `secret_key_weakness` says what is wrong with a key; the deploy
check reports it as an Error (`manage.py check --deploy`), and
config/wsgi.py refuses to serve with it."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

MIN_LENGTH = 50
MIN_DISTINCT = 12
MIN_BITS = 200
REPEAT = 8
#: Words that mark a key copied from an example or a tutorial.
PLACEHOLDERS = (
    "change",
    "replace",
    "example",
    "insecure",
    "placeholder",
    "secret",
    "sample",
    "default",
    "dummy",
    "random",
    "django",
)


def secret_key_weakness(key: str) -> str | None:
    """Why `key` is not fit for production, or None when it is.

    A key passes when it has at least `MIN_LENGTH` characters and
    `MIN_DISTINCT` distinct ones, holds no placeholder word and no run of
    `REPEAT` characters twice, and its length times log2 of its distinct
    characters (the entropy it could have if random) reaches `MIN_BITS`:
    `secrets.token_urlsafe(64)` and 64 hex digits pass."""
    if len(key) < MIN_LENGTH:
        return f"it has {len(key)} characters; at least {MIN_LENGTH} are needed"
    lowered = key.lower()
    found = [word for word in PLACEHOLDERS if word in lowered]
    if found:
        return f"it contains the placeholder word {found[0]!r}"
    distinct = len(set(key))
    if distinct < MIN_DISTINCT:
        return f"it uses only {distinct} distinct characters"
    seen: set[str] = set()
    for start in range(len(key) - REPEAT + 1):
        run = key[start : start + REPEAT]
        if run in seen:
            return f"it repeats {REPEAT} characters ({run[:2]}…)"
        seen.add(run)
    bits = int(len(key) * math.log2(distinct))
    if bits < MIN_BITS:
        return f"it can hold about {bits} bits; at least {MIN_BITS} are needed"
    return None


def secret_key_refusal() -> str | None:
    """The reason to refuse `settings.SECRET_KEY`, for messages."""
    weakness = secret_key_weakness(settings.SECRET_KEY or "")
    if weakness is None:
        return None
    return (
        f"DJANGO_SECRET_KEY is not fit for production: {weakness}. Generate one with "
        '`python -c "import secrets; print(secrets.token_urlsafe(64))"`.'
    )


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    refusal = secret_key_refusal()
    if refusal is None:
        return []
    return [
        Error(
            refusal,
            hint="The key signs the web form's tokens; a guessable key lets anyone forge them.",
            id="safepassage.E001",
        )
    ]
