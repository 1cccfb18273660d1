"""What every channel hands intake, and what intake hands every channel.

The neutral forms (`Inbound` in, `Job` and `Outcome` out) and the shape of
a channel (`ChannelType`). Intake's generic code (processing, the outbox)
reads and sends only through these, found in `registry.py`; a channel's
folder (`telegram/`, `facebook/`, `web/`) fills them in. Nothing here
imports a channel or intake's generic code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Inbound:
    """What an update says, provider-neutral."""

    address: str
    kind: str
    body: str
    provider_message_id: str = ""
    language: str = ""
    blocked: bool | None = None
    #: Telegram's callback query id, answered so the button stops spinning.
    callback_id: str = ""


class Unreadable(Exception):
    """The update's shape is not what the provider documents."""


@dataclass(frozen=True)
class Job:
    """One send, decrypted for the provider call."""

    address: str
    text: str
    buttons: list[tuple[str, str]]
    erase_ids: list[int]
    #: `text` is a callback query id to answer.
    ack: bool = False
    #: Delete `erase_ids` from the chat (none left: nothing to call).
    erase: bool = False


@dataclass(frozen=True)
class Outcome:
    state: str  # sent, retry, failed, uncertain
    provider_message_id: str = ""
    retry_after: float = 0.0
    reason: str = ""
    blocked: bool = False


#: Reads one stored update (decoded JSON) into its neutral form; None for
#: what needs no record. Raises `Unreadable`.
Reader = Callable[[dict[str, Any]], Inbound | None]
#: Sends a batch of one channel's jobs (api_url, token, jobs); one outcome each.
Sender = Callable[[str, str, list[Job]], list[Outcome]]


class ChannelType(Protocol):
    """One kind of channel, as intake's generic code sees it."""

    @property
    def kind(self) -> str: ...

    #: Its messages are read where they are written (the web form): they
    #: count as sent at once and nothing calls a provider.
    @property
    def delivered_in_place(self) -> bool: ...

    #: The provider can delete messages from the person's chat, and for how
    #: long after they were sent (None: it cannot).
    @property
    def erasable_for(self) -> dt.timedelta | None: ...

    def read(self, update: dict[str, Any]) -> Inbound | None: ...

    def send(self, api_url: str, token: str, batch: list[Job]) -> list[Outcome]: ...


@dataclass(frozen=True)
class Adapter:
    """A `ChannelType` made of a channel's reader and sender."""

    kind: str
    reader: Reader
    sender: Sender
    delivered_in_place: bool = False
    erasable_for: dt.timedelta | None = None

    def read(self, update: dict[str, Any]) -> Inbound | None:
        return self.reader(update)

    def send(self, api_url: str, token: str, batch: list[Job]) -> list[Outcome]:
        return self.sender(api_url, token, batch)


class SetupRefused(Exception):
    """A provider refused a set-up call (`<channel>/setup.py`); the message
    names no token."""
