"""Resuming a conversation with its case code and receipt, on any channel.

The limit on wrong receipts must hurt whoever guesses more than the owner.
A plain block per code ("five wrong, then an hour shut") lets anyone who
knows a code lock its owner out, silently. Here:

* **Per source** (a chat, or a web client's address): after
  `SOURCE_FAILURES_ALLOWED` wrong receipts within `SOURCE_WINDOW`, that
  source waits out the window, whatever code it names.
* **Per code**: after `CODE_FAILURES_ALLOWED` wrong receipts within
  `CODE_WINDOW`, from any sources, the code is *guarded*. A guarded code
  is still checked, but each source must first ask and then wait
  `GUARD_DELAY` before its receipt is checked, and again after each wrong
  one. The owner is told to wait a minute and send the numbers again, and
  then gets in, however many others are guessing; a guesser gets one guess
  a minute per source, and a few sources' worth before each is shut.
* Nothing tells whether a code exists. The counters are kept for the code
  *as typed* (a keyed hash of it), so a code that was never issued is
  guarded, and answered, exactly like one that was; a check that runs
  costs one Argon2id whether or not the code exists; an answer to wait
  costs none, for either.

With 57 bits in a receipt (`receipts.py`), even the per-source rate leaves
online guessing hopeless; the guard's purpose is to bound the cost of
checks and to make a flood of guesses visible (`intake.resume_refused`).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import hmac
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safepassage.audit.services import audit_record
from safepassage.vault.api import derive_key

from .models import Contact, ResumeGuard
from .receipts import receipt_generate, receipt_hash, receipt_verify

SOURCE_FAILURES_ALLOWED = 5
SOURCE_WINDOW = dt.timedelta(minutes=15)
CODE_FAILURES_ALLOWED = 5
CODE_WINDOW = dt.timedelta(hours=1)
GUARD_DELAY = dt.timedelta(seconds=60)


class ResumeOutcome(enum.Enum):
    RESUMED = "resumed"
    #: Wrong code or wrong receipt: one answer for both.
    MISMATCH = "mismatch"
    #: Not checked now: the source or the code must wait (`wait_seconds`).
    WAIT = "wait"


@dataclass(frozen=True)
class ResumeResult:
    outcome: ResumeOutcome
    root: Contact | None = None
    wait_seconds: int = 0


def _key(kind: str, value: str) -> str:
    secret = derive_key("seal", "intake-resume-guard")
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _guard(kind: str, value: str, now: dt.datetime) -> ResumeGuard:
    guard, _created = ResumeGuard.objects.select_for_update().get_or_create(
        key=_key(kind, value), defaults={"window_start": now}
    )
    return guard


def _failures(guard: ResumeGuard, window: dt.timedelta, now: dt.datetime) -> int:
    return guard.failures if guard.window_start > now - window else 0


def _fail(guard: ResumeGuard, window: dt.timedelta, now: dt.datetime) -> None:
    if guard.window_start <= now - window:
        ResumeGuard.objects.filter(pk=guard.pk).update(failures=1, window_start=now)
    else:
        ResumeGuard.objects.filter(pk=guard.pk).update(failures=F("failures") + 1)


def _wait_seconds(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))


@transaction.atomic
def resume_check(
    code: str, receipt_text: str, *, source: str, by: Contact | None = None
) -> ResumeResult:
    """Check `receipt_text` for the conversation whose case code is `code`,
    within the limits above. `source` names who is asking (a chat, a web
    client's address); `by` is the contact that asks, never its own root.
    Audited either way (`intake.resumed`, `intake.resume_refused`)."""
    now = timezone.now()
    by_source = _guard("source", source, now)
    if _failures(by_source, SOURCE_WINDOW, now) >= SOURCE_FAILURES_ALLOWED:
        return ResumeResult(
            ResumeOutcome.WAIT,
            wait_seconds=_wait_seconds(by_source.window_start + SOURCE_WINDOW, now),
        )
    by_code = _guard("code", code, now)
    if _failures(by_code, CODE_WINDOW, now) >= CODE_FAILURES_ALLOWED:
        asking = _guard("wait", f"{code}\x00{source}", now)
        since = asking.wait_from
        if since is not None and since <= now - SOURCE_WINDOW:
            since = None  # asked too long ago: ask again, wait again
        if since is None or since > now - GUARD_DELAY:
            if since is None:
                since = now
                ResumeGuard.objects.filter(pk=asking.pk).update(wait_from=now)
            return ResumeResult(
                ResumeOutcome.WAIT, wait_seconds=_wait_seconds(since + GUARD_DELAY, now)
            )
        # Waited long enough: this one is checked; a wrong one waits again.
        ResumeGuard.objects.filter(pk=asking.pk).update(wait_from=now)
    target = _target(code, by)
    if target is None or not receipt_verify(receipt_text, target.receipt_hash):
        if target is None:
            receipt_verify(receipt_text, _dummy_hash())  # the same cost
        _fail(by_source, SOURCE_WINDOW, now)
        _fail(by_code, CODE_WINDOW, now)
        audit_record(actor=None, action="intake.resume_refused", target=target)
        return ResumeResult(ResumeOutcome.MISMATCH)
    ResumeGuard.objects.filter(pk=by_code.pk).update(failures=0, window_start=now)
    audit_record(
        actor=None,
        action="intake.resumed",
        target=target,
        details={"from_contact": by.pk if by is not None else "web"},
    )
    return ResumeResult(ResumeOutcome.RESUMED, root=target)


def _target(code: str, by: Contact | None) -> Contact | None:
    if not code:
        return None
    candidates = Contact.objects.filter(code=code, continues__isnull=True)
    if by is not None and by.pk is not None:
        candidates = candidates.exclude(pk=by.pk)
    return candidates.first()


@functools.cache
def _dummy_hash() -> str:
    """A hash no receipt matches: verifying against it costs what a real check costs."""
    return receipt_hash(receipt_generate())


def resume_guards_prune(*, now: dt.datetime | None = None) -> int:
    """Forget counters older than every window (run with the hourly purge)."""
    now = now or timezone.now()
    oldest = now - max(CODE_WINDOW, SOURCE_WINDOW)
    deleted, _ = (
        ResumeGuard.objects.filter(window_start__lt=oldest).filter(wait_from__isnull=True).delete()
    )
    stale, _ = ResumeGuard.objects.filter(window_start__lt=oldest, wait_from__lt=oldest).delete()
    return deleted + stale
