"""Signed checkpoints of the chain head, kept outside the database.

Someone holding only the database can roll the chain back: restore an
older sealed head and delete the events after it. Nothing inside the
database shows it. A checkpoint, made daily by `audit_checkpoint` and
kept by headquarters away from the server, does:

- a **file** (JSON: sequence, MAC, time made, and an HMAC signature under
  a key derived from the key ring's audit anchor), for another machine;
- a **code** of the form `SEQ-XXXXX-XXXXX` (50 bits of the same keyed
  MAC over the sequence and the event's MAC), short enough to write on
  paper or read over the phone.

`audit_verify --checkpoint FILE` / `--code CODE` then fails if the
event a checkpoint names is missing (rolled back) or differs (rolled
back and grown again, or rewritten).

What the signature assumes: the key ring is not in the attacker's hands.
Someone with the key ring and its passphrase can sign any checkpoint;
against them the checkpoint's value is that its copy is elsewhere and
was made before the attack, so compare it with the head kept, not with
a checkpoint fetched from the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime

from safepassage.vault import api as vault

from .chain import ExternalHead, external_head_exact

FORMAT = "safepassage-audit-checkpoint"
VERSION = 1
_PURPOSE = "checkpoint-v1"
_CODE_RE = re.compile(r"(\d{1,15})[\s-]+([A-Z2-7]{5})[\s-]*([A-Z2-7]{5})")


class CheckpointError(ValueError):
    """A checkpoint file or code that is malformed or not signed by this key ring."""


def _key() -> bytes:
    return vault.derive_key("audit-anchor", _PURPOSE)


def _signature(sequence: int, mac: str, made_at: str) -> str:
    body = json.dumps(
        {"format": FORMAT, "v": VERSION, "seq": sequence, "mac": mac, "made_at": made_at},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("ascii")
    return hmac.new(_key(), body, hashlib.sha256).hexdigest()


def _code_tag(sequence: int, mac: str) -> str:
    digest = hmac.new(_key(), f"code-v1:{sequence}:{mac}".encode("ascii"), hashlib.sha256)
    return base64.b32encode(digest.digest()).decode("ascii")[:10]


def checkpoint_code(*, sequence: int, mac: str) -> str:
    """`SEQ-XXXXX-XXXXX` for paper. Raises VaultLocked."""
    tag = _code_tag(sequence, mac)
    return f"{sequence}-{tag[:5]}-{tag[5:]}"


def checkpoint_document(*, sequence: int, mac: str, made_at: datetime) -> str:
    """The signed JSON checkpoint of a verified head. Raises VaultLocked."""
    when = made_at.astimezone(UTC).isoformat(timespec="seconds")
    return json.dumps(
        {
            "format": FORMAT,
            "v": VERSION,
            "seq": sequence,
            "mac": mac,
            "made_at": when,
            "code": checkpoint_code(sequence=sequence, mac=mac),
            "signature": _signature(sequence, mac, when),
        },
        indent=2,
        sort_keys=True,
    )


def checkpoint_from_document(text: str) -> ExternalHead:
    """The head a checkpoint file records, once its signature holds.

    Raises CheckpointError (malformed, or signed under another key ring:
    forged or from another installation) and VaultLocked.
    """
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("v") != VERSION:
            raise CheckpointError("This is not an audit checkpoint file.")
        sequence, mac, made_at = data["seq"], data["mac"], data["made_at"]
        signature = data["signature"]
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError("The checkpoint file is malformed.") from None
    if (
        not isinstance(sequence, int)
        or isinstance(sequence, bool)
        or sequence < 0
        or not isinstance(mac, str)
        or not re.fullmatch(r"[0-9a-f]{64}", mac)
        or not isinstance(made_at, str)
        or not isinstance(signature, str)
    ):
        raise CheckpointError("The checkpoint file is malformed.")
    if not hmac.compare_digest(_signature(sequence, mac, made_at), signature):
        raise CheckpointError(
            "The checkpoint's signature does not hold: it was altered, or made with "
            "another key ring."
        )
    return external_head_exact(sequence, mac, label=f"the checkpoint of {made_at}")


def checkpoint_from_code(code: str) -> ExternalHead:
    """The head a paper code records. Raises CheckpointError, VaultLocked."""
    match = _CODE_RE.fullmatch(code.strip().upper())
    if match is None:
        raise CheckpointError(
            "Expected a code such as 1234-ABCDE-FGHIJ, as printed by `audit_checkpoint`."
        )
    sequence = int(match.group(1))
    tag = match.group(2) + match.group(3)
    return ExternalHead(
        sequence,
        lambda mac: hmac.compare_digest(_code_tag(sequence, mac), tag),
        label=f"the code {sequence}-{tag[:5]}-{tag[5:]}",
    )
