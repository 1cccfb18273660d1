"""The spool's format: where its files live, what a record holds, and the
associated data that binds each record to its file and place."""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

MAGIC = b"SPSPOOL1"
HEADER = len(MAGIC) + 16 + 16  # magic, file id, data key id
LENGTH = struct.Struct(">I")
MAX_RECORD = 512 * 1024
ROTATE_SECONDS = 1.0


def spool_dir() -> Path:
    path = Path(settings.VAR_DIR) / "spool"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def purpose(file_id: uuid.UUID, number: int) -> str:
    return f"intake-spool/{file_id}/{number}"


@dataclass(frozen=True)
class Delivery:
    channel_id: int
    provider_id: str
    kind: str
    ignored: bool
    payload: str
    #: Why the delivery is to be kept quarantined (`storable.py`), or "".
    quarantine: str = ""
