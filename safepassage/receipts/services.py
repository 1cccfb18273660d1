"""Issuing, checking and revoking receipts.

A receipt names no one: case code, items, amounts, date, unit label,
schedule version. `receipt_issue` signs it with the key ring's active
Ed25519 key and records number, key id and content hash;
`receipt_check` verifies a presented text with public keys only (the
key ring file, no passphrase), and, when the register is at hand, that
the number was issued for this very content and is not revoked.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from safepassage.audit.services import audit_record
from safepassage.vault import keyring
from safepassage.vault.exceptions import KeyRingError

from . import signing
from .models import Receipt, ReceiptKind

__all__ = [
    "ReceiptRefused",
    "Status",
    "Verdict",
    "receipt_check",
    "receipt_issue",
    "receipt_revoke",
]

MAX_LINES = 50
MAX_TEXT_VALUE = 200
MAX_MINOR = 10**15
LINE_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)
SHORT_TEXT_RE = re.compile(r"[^\x00-\x1f\x7f]{1,60}")
# Keys that announce personal data: a receipt carries none.
PERSONAL_KEYS = frozenset(
    {"name", "names", "phone", "address", "nrc", "serial", "father", "mother", "dob", "birth"}
)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class ReceiptRefused(ValidationError):
    pass


def _number() -> str:
    """R-XXXX-XXXX-XXXX-XXXX: 80 random bits, not guessable, easy to read out."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "R-" + "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def _short_text(value: object, what: StrOrPromise) -> str:
    if not isinstance(value, str) or not SHORT_TEXT_RE.fullmatch(value.strip()):
        raise ReceiptRefused(_("The %(what)s is missing or too long.") % {"what": what})
    return value.strip()


def _line(line: object) -> dict[str, Any]:
    if not isinstance(line, dict) or not line or len(line) > 12:
        raise ReceiptRefused(_("Each receipt line is a small table of values."))
    clean: dict[str, Any] = {}
    for key, value in line.items():
        if not isinstance(key, str) or not LINE_KEY_RE.fullmatch(key):
            raise ReceiptRefused(_("A receipt line has a malformed field name."))
        if PERSONAL_KEYS.intersection(key.split("_")):
            raise ReceiptRefused(_("A receipt carries no personal data."))
        if value is None or isinstance(value, bool):
            clean[key] = value
        elif isinstance(value, int):
            if abs(value) > MAX_MINOR:
                raise ReceiptRefused(_("A number on the receipt is too large."))
            clean[key] = value
        elif isinstance(value, str):
            if len(value) > MAX_TEXT_VALUE or re.search(r"[\x00-\x1f\x7f]", value):
                raise ReceiptRefused(_("A text on the receipt is too long or has control codes."))
            clean[key] = value
        else:
            raise ReceiptRefused(
                _("Receipt values are text, whole numbers or empty (never %(kind)s).")
                % {"kind": type(value).__name__}
            )
    return clean


@transaction.atomic
def receipt_issue(
    *,
    actor: Any,
    kind: str,
    case_code: str,
    unit_label: str,
    lines: list[dict[str, Any]],
    total_minor: int | None,
    currency: str | None,
    schedule_version: str | None,
    issued_at: dt.datetime,
    unit: Any = None,
) -> Receipt:
    """Sign and record a receipt. `unit` (whose staff may open it) defaults
    to the actor's unit; only headquarters issues for another unit.
    The returned row has `.text` and `.qr_svg`."""
    if not isinstance(actor, get_user_model()) or actor.pk is None:
        raise TypeError("A receipt is issued by a saved member of staff.")
    if kind not in ReceiptKind.values:
        raise ReceiptRefused(_("Unknown receipt kind."))
    case_code = _short_text(case_code, _("case code"))
    unit_label = _short_text(unit_label, _("unit"))
    if not isinstance(lines, list | tuple) or len(lines) > MAX_LINES:
        raise ReceiptRefused(_("A receipt has at most 50 lines."))
    clean_lines = [_line(line) for line in lines]
    if total_minor is not None and (
        isinstance(total_minor, bool)
        or not isinstance(total_minor, int)
        or not 0 <= total_minor <= MAX_MINOR
    ):
        raise ReceiptRefused(_("The total is a whole, non-negative number of minor units."))
    if currency is not None and (
        not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency)
    ):
        raise ReceiptRefused(_("A currency is a three-letter code such as MMK."))
    if (total_minor is None) != (currency is None):
        raise ReceiptRefused(_("A total needs its currency, and a currency its total."))
    if schedule_version is not None:
        schedule_version = _short_text(schedule_version, _("schedule version"))
    if not isinstance(issued_at, dt.datetime) or timezone.is_naive(issued_at):
        raise ReceiptRefused(_("The date of issue must carry its time zone."))
    if unit is None:
        unit = actor.unit
    elif unit.pk != actor.unit_id and not actor.unit.is_headquarters:
        raise PermissionDenied("other_unit")
    try:
        key_id, seed = keyring.receipt_signing_key()
    except KeyRingError as exc:
        raise ReceiptRefused(str(exc)) from None
    number = _number()
    while Receipt.objects.filter(number=number).exists():  # pragma: no cover - 80 bits
        number = _number()
    content = {
        "v": 1,
        "number": number,
        "key": key_id,
        "kind": kind,
        "case": case_code,
        "unit": unit_label,
        "lines": clean_lines,
        "total": total_minor,
        "currency": currency,
        "schedule": schedule_version,
        "issued": issued_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
    }
    raw = signing.canonical(content)
    receipt = Receipt.objects.create(
        number=number,
        kind=kind,
        key_id=key_id,
        content_sha256=hashlib.sha256(raw).hexdigest(),
        content=raw.decode("ascii"),
        signature=signing.sign(seed, raw),
        unit=unit,
        actor=actor,
        issued_at=issued_at,
    )
    audit_record(
        actor=actor,
        action="receipts.issued",
        target=receipt,
        unit=unit,
        details={"kind": kind, "key": key_id, "total_minor": total_minor, "currency": currency},
    )
    return receipt


@transaction.atomic
def receipt_revoke(*, actor: Any, receipt: Receipt, reason: str) -> Receipt:
    if not isinstance(reason, str) or not reason.strip():
        raise ReceiptRefused(_("Give the reason for withdrawing the receipt."))
    unit = getattr(actor, "unit", None)
    if unit is None or not (unit.is_headquarters or unit.pk == receipt.unit_id):
        raise PermissionDenied("other_unit")
    locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
    if locked.revoked_at is not None:
        raise ReceiptRefused(_("This receipt was already withdrawn."))
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="receipts.revoked", target=locked, unit=locked.unit_id)
    return locked


class Status(enum.StrEnum):
    OK = "ok"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    FORGED = "forged"
    ALTERED = "altered"
    REUSED = "reused"
    REVOKED = "revoked"
    UNREGISTERED = "unregistered"


REASONS: dict[Status, Promise] = {
    Status.OK: _("Genuine: signed by the programme, and unchanged."),
    Status.MALFORMED: _("This is not a receipt text (damaged, cut short or mistyped)."),
    Status.UNKNOWN_KEY: _("Signed with a key the programme never had: not genuine."),
    Status.FORGED: _("The signature does not match: this receipt was not issued by the programme."),
    Status.ALTERED: _(
        "The content was changed after signing (an amount, item or date differs from "
        "what was issued)."
    ),
    Status.REUSED: _("This receipt number was issued for other content: a copied number."),
    Status.REVOKED: _("This receipt was withdrawn and is no longer valid."),
    Status.UNREGISTERED: _(
        "The signature is genuine but this register does not know the number: check "
        "with headquarters."
    ),
}


@dataclass(frozen=True)
class Verdict:
    status: Status
    number: str = ""
    key_id: str = ""
    content: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == Status.OK

    @property
    def reason(self) -> str:
        return str(REASONS[self.status])


def receipt_check(text: object, *, use_register: bool = True) -> Verdict:
    """Check a presented receipt text. Offline (public keys only) unless
    `use_register`, which also compares it with what was issued."""
    try:
        raw, content, signature = signing.parse(text)
    except signing.Malformed:
        return Verdict(Status.MALFORMED)
    number = content["number"][:40]
    key_id = str(content["key"])[:40]
    try:
        public_keys = keyring.receipt_public_keys()
    except KeyRingError:
        public_keys = {}
    issued = Receipt.objects.filter(number=number).first() if use_register else None
    digest = hashlib.sha256(raw).hexdigest()
    public = public_keys.get(key_id)
    if public is None:
        return Verdict(Status.UNKNOWN_KEY, number, key_id)
    if not signing.signature_valid(public, raw, signature):
        if issued is not None and not hmac.compare_digest(issued.content_sha256, digest):
            return Verdict(Status.ALTERED, number, key_id, content)
        return Verdict(Status.FORGED, number, key_id, content)
    if use_register:
        if issued is None:
            return Verdict(Status.UNREGISTERED, number, key_id, content)
        if not hmac.compare_digest(issued.content_sha256, digest):
            return Verdict(Status.REUSED, number, key_id, content)
        if issued.revoked_at is not None:
            return Verdict(Status.REVOKED, number, key_id, content)
    return Verdict(Status.OK, number, key_id, content)
