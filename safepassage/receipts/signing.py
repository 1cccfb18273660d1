"""Receipts' arithmetic: canonical content, Ed25519 signatures, the text form.

Pure functions over bytes and keys; `services` feeds them the key ring's
keys and the register. The printable text is

    SPR1.<base64url(canonical content)>.<base64url(signature)>

where the signature is Ed25519 over DOMAIN + content. The content is
canonical JSON (sorted keys, ASCII, no floats) and names its key id.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from typing import Any

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "SPR1"
DOMAIN = b"safepassage-receipt-v1\n"
MAX_TEXT = 8000


class Malformed(ValueError):
    """The text is not a receipt."""


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise Malformed("not base64url") from exc


def sign(seed: bytes, content: bytes) -> str:
    return _b64(Ed25519PrivateKey.from_private_bytes(seed).sign(DOMAIN + content))


def signature_valid(public: bytes, content: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, DOMAIN + content)
    except (InvalidSignature, ValueError):
        return False
    return True


def receipt_text(content: bytes, signature: str) -> str:
    return f"{PREFIX}.{_b64(content)}.{signature}"


def parse(text: object) -> tuple[bytes, dict[str, Any], bytes]:
    """(content bytes, content, signature) or Malformed."""
    if not isinstance(text, str):
        raise Malformed("not text")
    text = "".join(text.split())  # printed and retyped texts gain spaces and breaks
    if not text or len(text) > MAX_TEXT:
        raise Malformed("empty or too long")
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise Malformed("not SPR1.<content>.<signature>")
    raw = _unb64(parts[1])
    signature = _unb64(parts[2])
    if len(signature) != 64:
        raise Malformed("signature length")
    try:
        content = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed("content is not JSON") from exc
    if not isinstance(content, dict):
        raise Malformed("content is not an object")
    for key in ("v", "number", "key", "kind", "case", "issued"):
        if key not in content:
            raise Malformed(f"content lacks {key}")
    if content["v"] != 1 or not isinstance(content["number"], str):
        raise Malformed("unknown version")
    return raw, content, signature


def qr_svg(text: str) -> str:
    qr = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True, svgclass="receipt-qr")
    return out.getvalue().decode("ascii")
