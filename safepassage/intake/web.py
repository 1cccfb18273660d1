"""The web form at /contact/: the conversation for a browser without
JavaScript (Tor Browser at its safest setting), and what keeps it from
being flooded.

A browser cannot be asked for a computed proof of work without
JavaScript, so the form asks for time instead, and budgets what a flood
could cost:

* every form carries a signed token (`form_token_issue`) that is accepted
  only after `INTAKE_WEB_MIN_FORM_SECONDS` and within `FORM_TOKEN_MAX_AGE`,
  and only once (its nonce is recorded);
* new conversations are limited per minute in all and per client address
  (`throttle_take`; the address is kept only as a keyed hash, for a
  minute); resume attempts likewise, each costing an Argon2id check;
* a honeypot field that people never see.

A person who resumed is recognised by a signed, HttpOnly cookie scoped to
/contact/ that lasts `RESUME_SECONDS` and ends with "Leave"; it names the
conversation's root contact, nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from safepassage.audit.services import audit_record
from safepassage.cases.codes import InvalidCaseCode, case_code_normalize
from safepassage.vault.api import derive_key

from .conversation import (
    OPEN,
    QUESTIONS,
    answer_record,
    code_and_receipt_issue,
)
from .models import Channel, ChannelKind, Contact, ContactMessage, MessageKind, Throttle
from .resuming import ResumeResult, resume_check

WEB_CHANNEL_NAME = "Web form"
FORM_TOKEN_MAX_AGE = 2 * 60 * 60
RESUME_SECONDS = 30 * 60
RESUME_PER_MINUTE = 20
COOKIE = "sp_contact"
_TOKEN_SALT = "safepassage.intake.web.form"  # noqa: S105 (a signing salt, not a secret)
_COOKIE_SALT = "safepassage.intake.web.resume"
MAX_MESSAGE = 4000


class FormRefused(Exception):
    """The form cannot be accepted now; `reason` is a short code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def form_token_issue(*, now: float | None = None) -> str:
    issued = now if now is not None else time.time()
    return signing.dumps({"n": secrets.token_urlsafe(16), "t": issued}, salt=_TOKEN_SALT)


def form_token_accept(token: str, *, now: float | None = None) -> None:
    """Raises FormRefused("too_fast" | "expired" | "bad_token" | "used")."""
    now = now if now is not None else time.time()
    try:
        data: Any = signing.loads(token or "", salt=_TOKEN_SALT)
    except signing.BadSignature:
        raise FormRefused("bad_token") from None
    nonce, issued = (data.get("n"), data.get("t")) if isinstance(data, dict) else (None, None)
    if not isinstance(nonce, str) or not isinstance(issued, (int, float)):
        raise FormRefused("bad_token")
    if now - issued > FORM_TOKEN_MAX_AGE:
        raise FormRefused("expired")
    if now - issued < settings.INTAKE_WEB_MIN_FORM_SECONDS:
        raise FormRefused("too_fast")
    try:
        with transaction.atomic():
            # Remembered (as a hash) while the token could still be used:
            # nonce rows carry minus their minute, dropped after max age.
            Throttle.objects.create(key=_hashed("nonce", nonce), window=-int(issued // 60), count=1)
    except IntegrityError:
        raise FormRefused("used") from None


def _hashed(kind: str, value: str) -> str:
    key = derive_key("seal", "intake-web-throttle")
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def throttle_take(kind: str, value: str, limit: int, *, now: float | None = None) -> None:
    """Count one use of (`kind`, `value`) in this minute; FormRefused("busy")
    past `limit`. Old windows are dropped on the way."""
    window = int((now or time.time()) // 60)
    key = _hashed(kind, value)
    with transaction.atomic():
        Throttle.objects.filter(window__gt=0, window__lt=window - 1).delete()
        expired = window - FORM_TOKEN_MAX_AGE // 60 - 1
        Throttle.objects.filter(window__lt=0, window__gt=-expired).delete()
        row, _created = Throttle.objects.get_or_create(key=key, window=window)
        Throttle.objects.filter(pk=row.pk).update(count=F("count") + 1)
        row.refresh_from_db(fields=["count"])
    if row.count > limit:
        raise FormRefused("busy")


def web_channel() -> Channel:
    """The one channel of the web form, made on first use (no credentials)."""
    found = Channel.objects.filter(kind=ChannelKind.WEB).select_related("data_key__unit_key")
    channel = found.first()
    if channel is not None:
        return channel
    channel = Channel(kind=ChannelKind.WEB, name=WEB_CHANNEL_NAME, api_url="http://localhost")
    channel.save()
    audit_record(
        actor=None, action="intake.channel_created", target=channel, details={"kind": "web"}
    )
    return channel


@dataclass(frozen=True)
class Opened:
    contact: Contact
    receipt: str


@transaction.atomic
def web_contact_open(*, answers: dict[str, str], message: str, language: str) -> Opened:
    """A new conversation from the web form, with the answers given and a
    first message; returns it with its receipt (shown once, never stored)."""
    channel = web_channel()
    contact = Contact(
        channel=channel,
        address=secrets.token_hex(16),
        language="en" if language == "en" else "my",
        step=OPEN,
        last_inbound_at=timezone.now(),
    )
    contact.answers = {}
    by_name = {q.name: q for q in QUESTIONS}
    for name, value in answers.items():
        question = by_name.get(name)
        if question is not None and value:
            chosen = value in {c.value for c in question.choices}
            answer_record(contact, question, value, chosen=chosen)
    receipt = code_and_receipt_issue(contact)
    contact.save()
    if message.strip():
        _message_add(contact, message)
    audit_record(
        actor=None,
        action="intake.web_contact_opened",
        target=contact,
        details={"answers": sorted(k for k in contact.answers if not k.startswith("_"))},
    )
    audit_record(actor=None, action="intake.code_issued", target=contact)
    return Opened(contact, receipt)


def _message_add(contact: Contact, text: str) -> ContactMessage:
    from safepassage.language import normalize_text

    from .conversation import says_duress_word

    body = normalize_text(text).strip()[:MAX_MESSAGE]
    if says_duress_word(body) and not contact.duress:
        contact.duress = True
        contact.save(update_fields=["duress"])
        audit_record(actor=None, action="intake.duress_signalled", target=contact)
    return ContactMessage.objects.create(
        contact=contact, data_key=contact.data_key, inbound=True, kind=MessageKind.TEXT, body=body
    )


@transaction.atomic
def web_resume(*, code: str, receipt: str, client: str) -> ResumeResult:
    """Resume the conversation whose code is `code` when `receipt` is right,
    within the limits of `resuming.py` (`client`, the web client's address,
    is the source counted; only a keyed hash of it is kept)."""
    try:
        canonical = case_code_normalize(code)
    except InvalidCaseCode:
        canonical = ""
    return resume_check(canonical, receipt, source=f"web:{client}")


@transaction.atomic
def web_message_write(*, root: Contact, text: str) -> ContactMessage:
    """Record what the person wrote on the web into the conversation whose
    root is `root`: on the root itself when it began on the web, otherwise
    on the web contact that continues it (made on first use)."""
    if root.channel.kind == ChannelKind.WEB:
        writer = root
    else:
        writer = next(
            (c for c in Contact.objects.filter(continues=root, channel__kind=ChannelKind.WEB)),
            None,
        ) or Contact.objects.create(
            channel=web_channel(),
            address=secrets.token_hex(16),
            language=root.language,
            step=OPEN,
            continues=root,
        )
    message = _message_add(writer, text)
    now = timezone.now()
    Contact.objects.filter(pk__in={writer.pk, root.pk}).update(last_inbound_at=now)
    audit_record(
        actor=None,
        action="intake.message_received",
        target=root,
        details={"kind": "text", "via": "web"},
    )
    return message


def resume_cookie_value(root: Contact) -> str:
    return signing.dumps({"contact": root.pk}, salt=_COOKIE_SALT, compress=False)


def resume_cookie_read(value: str | None) -> int | None:
    """The root contact's id in a valid, unexpired cookie, else None."""
    if not value:
        return None
    try:
        data: Any = signing.loads(value, salt=_COOKIE_SALT, max_age=RESUME_SECONDS)
    except signing.BadSignature:
        return None
    pk = data.get("contact") if isinstance(data, dict) else None
    return pk if isinstance(pk, int) else None
