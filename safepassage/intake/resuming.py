"""Resuming a conversation with its case code and receipt, on any channel.

The limit on wrong receipts must hurt whoever guesses more than the owner.
A plain block per code ("five wrong, then an hour shut") lets anyone who
knows a code lock its owner out, silently. Here:

* **A cheap filter first.** Beside the receipt's Argon2id hash, a contact
  keeps 16 bits of a keyed HMAC of it (`receipts.receipt_filter`, the key
  in the key ring). A receipt whose filter does not match is wrong, and is
  refused and counted without Argon2id; one that matches (the owner's, or
  one wrong guess in 65,536) is checked with Argon2id at once, whatever
  the code's counters say. A flood of guesses therefore costs the server
  an HMAC and a few rows each, and cannot make the owner wait.
* **Per source** (a chat, or a web client's address): after
  `SOURCE_FAILURES_ALLOWED` wrong receipts within `SOURCE_WINDOW`, that
  source waits out the window, whatever code and receipt it sends (the
  answer never depends on the guess, or the wait would be an oracle).
* **Per code**: wrong receipts are counted per code within `CODE_WINDOW`.
  Only for a contact issued before the filter existed (no
  `receipt_filter`, so every guess costs Argon2id) does the count guard
  the code: after `CODE_FAILURES_ALLOWED`, each source must first ask
  and then wait `GUARD_DELAY` before its receipt is checked. The owner's
  first correct resume writes the filter, and the guard no longer
  applies to the code.
* Nothing tells whether a code exists. The counters are kept for the code
  *as typed* (a keyed hash of it); a code that was never issued gets a
  filter of its own (a keyed hash of the code), so a guess for it is
  refused cheaply, or checked with Argon2id, as often as for a real one.

With 57 bits in a receipt (`receipts.py`), even the per-source rate leaves
online guessing hopeless; the limits bound the cost of checks and make a
flood of guesses visible (`intake.resume_refused`).
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
from .receipts import FILTER_HEX, receipt_filter, receipt_generate, receipt_hash, receipt_verify

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
    code: str,
    receipt_text: str,
    *,
    source: str,
    by: Contact | None = None,
    quiet: bool = False,
) -> ResumeResult:
    """Check `receipt_text` for the conversation whose case code is `code`,
    within the limits above. `source` names who is asking (a chat, a web
    client's address); `by` is the contact that asks, never its own root.
    Audited either way (`intake.resumed`, `intake.resume_refused`), unless
    `quiet`: a caller that checks the pair for a purpose the conversation's
    unit must not learn of (a complaint to headquarters) audits under its
    own scope instead; the limits and their counters are the same."""
    now = timezone.now()
    by_source = _guard("source", source, now)
    if _failures(by_source, SOURCE_WINDOW, now) >= SOURCE_FAILURES_ALLOWED:
        return ResumeResult(
            ResumeOutcome.WAIT,
            wait_seconds=_wait_seconds(by_source.window_start + SOURCE_WINDOW, now),
        )
    by_code = _guard("code", code, now)
    target = _target(code, by)
    expected = _expected_filter(code, target)
    if expected:
        if not hmac.compare_digest(receipt_filter(receipt_text), expected):
            return _refused(target, by_source, by_code, now, quiet=quiet)  # no Argon2id
    elif _failures(by_code, CODE_WINDOW, now) >= CODE_FAILURES_ALLOWED:
        # A contact without a filter: every check costs Argon2id, so the
        # code is guarded as before the filter.
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
    if target is None or not receipt_verify(receipt_text, target.receipt_hash):
        if target is None:
            receipt_verify(receipt_text, _dummy_hash())  # the same cost
        return _refused(target, by_source, by_code, now, quiet=quiet)
    ResumeGuard.objects.filter(pk=by_code.pk).update(failures=0, window_start=now)
    if not target.receipt_filter:
        target.receipt_filter = receipt_filter(receipt_text)
        Contact.objects.filter(pk=target.pk).update(receipt_filter=target.receipt_filter)
    if quiet:
        return ResumeResult(ResumeOutcome.RESUMED, root=target)
    audit_record(
        actor=None,
        action="intake.resumed",
        target=target,
        details={"from_contact": by.pk if by is not None else "web"},
    )
    return ResumeResult(ResumeOutcome.RESUMED, root=target)


def _refused(
    target: Contact | None,
    by_source: ResumeGuard,
    by_code: ResumeGuard,
    now: dt.datetime,
    *,
    quiet: bool = False,
) -> ResumeResult:
    _fail(by_source, SOURCE_WINDOW, now)
    _fail(by_code, CODE_WINDOW, now)
    if not quiet:
        audit_record(actor=None, action="intake.resume_refused", target=target)
    return ResumeResult(ResumeOutcome.MISMATCH)


def _expected_filter(code: str, target: Contact | None) -> str:
    """The filter a right receipt for `code` has: the contact's, or, for a
    code that names no conversation, one made from the code (so that it is
    passed as rarely as a real one). "" for a contact without a filter."""
    if target is not None:
        return target.receipt_filter
    secret = derive_key("seal", "intake-resume-absent")
    digest = hmac.new(secret, code.encode(), hashlib.sha256).hexdigest()
    return digest[:FILTER_HEX]


def resume_filter_passes(code: str, receipt_text: str) -> bool:
    """True when `receipt_text` passes the cheap filter for `code` (never
    for a contact without one: those meet the budgets as before): the
    owner's receipt does, and one wrong guess in 65,536. The web form lets
    such a resume pass ahead of its flood budgets (`web_views.contact_resume`); `resume_check` still
    decides. Costs one query and one HMAC, never Argon2id."""
    expected = _expected_filter(code, _target(code, None))
    return bool(expected) and hmac.compare_digest(receipt_filter(receipt_text), expected)


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
