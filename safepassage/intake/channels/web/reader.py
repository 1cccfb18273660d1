"""The web form's reader: the form writes its messages itself
(`intake/web.py`); no provider update is ever stored for it."""

from __future__ import annotations

from typing import Any

from safepassage.intake.channels.base import Inbound, Unreadable


def read_web(update: dict[str, Any]) -> Inbound | None:
    raise Unreadable("web")
