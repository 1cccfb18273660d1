"""The web form at /contact/: the conversation for a browser without
JavaScript (Tor Browser at its safest setting), and what keeps it from
being flooded.

A browser cannot be asked for a computed proof of work without
JavaScript, so the form asks for time instead, and budgets what a flood
could cost (docs/intake.md, "Floods"):

* every form carries a signed token (`form_token_issue`) that is accepted
  only after `INTAKE_WEB_MIN_FORM_SECONDS` and within `FORM_TOKEN_MAX_AGE`,
  and only once (its nonce is recorded);
* new conversations and resume attempts are budgeted per source before
  they are budgeted in all (`budget_take`): each source's first
  `INTAKE_WEB_FIRST_PER_SOURCE` forms in a minute pass ahead of the shared
  budget, up to a ceiling that protects the server, so that a flood from a
  few sources spends only the shared budget and never the genuine
  person's first form. A source is a keyed hash of the client's IPv4
  address or IPv6 /64, kept for a minute;
* what a conversation receives from the web is limited per minute and
  per day (`write_admit`);
* a honeypot field that people never see.

A person who submitted, or resumed with a correct code and receipt, holds
a random token in a session-length, HttpOnly cookie scoped to /contact/.
The server keeps only its keyed hash (`WebSession`), bound to the
conversation's root contact, for at most `RESUME_SECONDS`; Leave deletes
it. Neither the cookie nor `SECRET_KEY` names a contact: holding the key
opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from safepassage.audit.services import audit_record
from safepassage.cases.codes import InvalidCaseCode, case_code_normalize
from safepassage.language import normalize_text
from safepassage.vault.api import derive_key

from .conversation import (
    OPEN,
    QUESTIONS,
    answer_record,
    code_and_receipt_issue,
    says_duress_word,
)
from .heard import conversation_heard
from .models import (
    Channel,
    ChannelKind,
    Contact,
    ContactMessage,
    MessageKind,
    Throttle,
    WebSession,
)
from .outbox import BotReply, bot_reply_queue
from .prompts import prompt_choices_open, prompt_dispatch, prompt_duress
from .resuming import ResumeResult, resume_check, resume_filter_passes

WEB_CHANNEL_NAME = "Web form"
FORM_TOKEN_MAX_AGE = 2 * 60 * 60
RESUME_SECONDS = 30 * 60
RESUME_PER_MINUTE = 20
COOKIE = "sp_contact"
_TOKEN_SALT = "safepassage.intake.web.form"  # noqa: S105 (a signing salt, not a secret)
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
    if throttle_count(kind, value, now=now) > limit:
        raise FormRefused("busy")


def throttle_count(kind: str, value: str, *, now: float | None = None) -> int:
    """Count one use of (`kind`, `value`) in this minute and return the
    uses so far, this one included."""
    window = int((now or time.time()) // 60)
    key = _hashed(kind, value)
    with transaction.atomic():
        Throttle.objects.filter(window__gt=0, window__lt=window - 1).delete()
        expired = window - FORM_TOKEN_MAX_AGE // 60 - 1
        Throttle.objects.filter(window__lt=0, window__gt=-expired).delete()
        row, _created = Throttle.objects.get_or_create(key=key, window=window)
        Throttle.objects.filter(pk=row.pk).update(count=F("count") + 1)
        row.refresh_from_db(fields=["count"])
    return row.count


def source_of(address: str) -> str:
    """What one sender is, for the budgets: an IPv4 address, or the /64 of
    an IPv6 address (one subscriber is given a whole /64, so counting
    single IPv6 addresses would give a flood unlimited sources)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def budget_take(kind: str, *, source: str, shared: int, now: float | None = None) -> None:
    """Budget one form of `kind` ("new" or "resume") from `source`;
    FormRefused("busy") when over.

    Per source first, then in all: a source past
    `INTAKE_WEB_PER_ADDRESS_PER_MINUTE` is refused; its first
    `INTAKE_WEB_FIRST_PER_SOURCE` forms of the minute are admitted ahead of
    the `shared` budget, under `INTAKE_WEB_CEILING_PER_MINUTE` only; the
    rest take from `shared`. A flood from k sources therefore spends the
    shared budget and k first places, and a genuine sender from another
    source is refused only when the ceiling itself is spent, i.e. by a
    flood from more sources a minute than the ceiling."""
    used = throttle_count(kind, source, now=now)
    if used > settings.INTAKE_WEB_PER_ADDRESS_PER_MINUTE:
        raise FormRefused("busy")
    if used <= settings.INTAKE_WEB_FIRST_PER_SOURCE:
        throttle_take(f"{kind}-first", "all", settings.INTAKE_WEB_CEILING_PER_MINUTE, now=now)
    else:
        throttle_take(kind, "all", shared, now=now)


def write_admit(*, root: Contact, now: float | None = None) -> None:
    """Budget one message written on the web into the conversation whose
    root is `root`: FormRefused("write_busy") past
    `INTAKE_WEB_MESSAGES_PER_MINUTE` in this minute, FormRefused("write_full")
    once the web has brought `INTAKE_WEB_MESSAGES_PER_DAY` messages into it
    in the last 24 hours."""
    if throttle_count("write", str(root.pk), now=now) > settings.INTAKE_WEB_MESSAGES_PER_MINUTE:
        raise FormRefused("write_busy")
    since = timezone.now() - timedelta(days=1)
    today = ContactMessage.objects.filter(
        Q(contact=root) | Q(contact__continues=root),
        contact__channel__kind=ChannelKind.WEB,
        inbound=True,
        created_at__gte=since,
    )
    if today.count() >= settings.INTAKE_WEB_MESSAGES_PER_DAY:
        raise FormRefused("write_full")


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
    body = normalize_text(text).strip()[:MAX_MESSAGE]
    said_duress = says_duress_word(body)
    if said_duress and not contact.duress:
        contact.duress = True
        contact.save(update_fields=["duress"])
        audit_record(actor=None, action="intake.duress_signalled", target=contact)
    message = ContactMessage.objects.create(
        contact=contact, data_key=contact.data_key, inbound=True, kind=MessageKind.TEXT, body=body
    )
    if said_duress:
        prompt_duress(contact)
    return message


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


def web_resume_ahead(*, code: str, receipt: str) -> bool:
    """Whether this resume form passes ahead of the flood budgets: its
    receipt passes the code's cheap filter (`resuming.resume_filter_passes`),
    as the owner's always does and one wrong guess in 65,536 does. A flood
    of wrong receipts therefore spends the budgets and never the owner's
    way in; what it can make the server do past them is an HMAC each."""
    try:
        canonical = case_code_normalize(code)
    except InvalidCaseCode:
        return False
    return resume_filter_passes(canonical, receipt)


@transaction.atomic
def web_message_write(*, root: Contact, text: str) -> ContactMessage:
    """Record what the person wrote on the web into the conversation whose
    root is `root`: on the root itself when it began on the web, otherwise
    on the web contact that continues it (made on first use)."""
    writer = _web_writer(root)
    message = _message_add(writer, text)
    now = timezone.now()
    Contact.objects.filter(pk__in={writer.pk, root.pk}).update(last_inbound_at=now)
    audit_record(
        actor=None,
        action="intake.message_received",
        target=root,
        details={"kind": "text", "via": "web"},
    )
    conversation_heard(contact=root)
    return message


def _web_writer(root: Contact) -> Contact:
    """The contact that carries the web's messages of the conversation
    `root`: the root itself when it began on the web, otherwise the web
    contact that continues it (made on first use)."""
    if root.channel.kind == ChannelKind.WEB:
        return root
    return next(
        (c for c in Contact.objects.filter(continues=root, channel__kind=ChannelKind.WEB)),
        None,
    ) or Contact.objects.create(
        channel=web_channel(),
        address=secrets.token_hex(16),
        language=root.language,
        step=OPEN,
        continues=root,
    )


@transaction.atomic
def web_prompt_answer(*, root: Contact, payload: str) -> bool:
    """A choice pressed on the web form (`prompts.py`): recorded as a button
    press in the conversation and dispatched to the prompt's app, whose
    answer joins the conversation. False (nothing recorded) for a payload
    that is not an open choice of this conversation."""
    if payload not in {p for p, _label in prompt_choices_open(root)}:
        return False
    writer = _web_writer(root)
    ContactMessage.objects.create(
        contact=writer,
        data_key=writer.data_key,
        inbound=True,
        kind=MessageKind.BUTTON,
        body=payload,
    )
    now = timezone.now()
    Contact.objects.filter(pk__in={writer.pk, root.pk}).update(last_inbound_at=now)
    for text in prompt_dispatch(writer, payload) or []:
        bot_reply_queue(contact=writer, reply=BotReply(text))
    audit_record(
        actor=None,
        action="intake.message_received",
        target=root,
        details={"kind": "button", "via": "web"},
    )
    return True


def web_session_hash(token: str) -> str:
    key = derive_key("seal", "intake-web-session")
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def web_session_open(*, root: Contact) -> str:
    """A new session on the conversation whose root is `root`; returns the
    token for the person's cookie (its hash alone is kept). Call only after
    a correct code and receipt, or for the conversation just opened.
    Expired sessions are dropped on the way."""
    now = timezone.now()
    WebSession.objects.filter(expires_at__lte=now).delete()
    token = secrets.token_urlsafe(32)
    WebSession.objects.create(
        token_hash=web_session_hash(token),
        contact=root,
        created_at=now,
        expires_at=now + timedelta(seconds=RESUME_SECONDS),
    )
    audit_record(actor=None, action="intake.web_session_opened", target=root)
    return token


@transaction.atomic
def web_session_end(*, token: str | None) -> None:
    """End the session that `token` holds, if any (Leave)."""
    if not token:
        return
    session = (
        WebSession.objects.select_related("contact")
        .filter(token_hash=web_session_hash(token))
        .first()
    )
    if session is None:
        return
    session.delete()
    audit_record(actor=None, action="intake.web_session_ended", target=session.contact)


def session_guard(token: str) -> str:
    """The value the conversation's forms carry for the session `token`
    (a synchronizer token: a cross-site page cannot know it)."""
    key = derive_key("seal", "intake-web-session-form")
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def session_guard_valid(token: str, posted: str | None) -> bool:
    return hmac.compare_digest(session_guard(token), posted or "")
