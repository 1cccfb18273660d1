"""Channel kind → what intake's generic code calls for it.

Processing reads an update with `channel_type(kind).read`, the outbox sends
with `.send`, and asks `.delivered_in_place` / `.erasable_for` instead of
naming a channel. Each channel's folder holds its reader, sender, webhook
and set-up; this module is the only place of intake's generic code that
names them (the import contracts in pyproject.toml hold it so).
"""

from __future__ import annotations

from safepassage.intake.channels.base import Adapter, ChannelType
from safepassage.intake.channels.facebook.reader import read_facebook
from safepassage.intake.channels.facebook.sender import send_facebook
from safepassage.intake.channels.telegram.reader import read_telegram
from safepassage.intake.channels.telegram.sender import ERASABLE_FOR, send_telegram
from safepassage.intake.channels.web.reader import read_web
from safepassage.intake.channels.web.sender import send_web
from safepassage.intake.models import ChannelKind

CHANNEL_TYPES: dict[str, ChannelType] = {
    ChannelKind.TELEGRAM: Adapter(
        ChannelKind.TELEGRAM, read_telegram, send_telegram, erasable_for=ERASABLE_FOR
    ),
    ChannelKind.FACEBOOK: Adapter(ChannelKind.FACEBOOK, read_facebook, send_facebook),
    ChannelKind.WEB: Adapter(ChannelKind.WEB, read_web, send_web, delivered_in_place=True),
}


def channel_type(kind: str) -> ChannelType:
    """The channel type of `kind` (KeyError for a kind no folder serves)."""
    return CHANNEL_TYPES[kind]


def kinds_erasable() -> list[str]:
    """The kinds whose provider can delete messages from the person's chat."""
    return [kind for kind, t in CHANNEL_TYPES.items() if t.erasable_for is not None]
