"""Signals the vault sends. It imports no app above it; those that must
act on a failure (audit records an alert for headquarters) connect here."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by `middleware.VaultLockedMiddleware` when a request stopped on a
#: value that failed its integrity check, with `error` (a DecryptionError
#: whose `row` names the row) and `request`. A receiver returns True once
#: the failure is recorded where headquarters sees it.
integrity_failed = Signal()

#: Sent with `exception` (a UnitMismatch) when a record's owning unit
#: column and the unit its data key is wrapped under differ (keys.py); sent
#: again by the middleware with `request`. The audit app records it once.
unit_binding_refused = Signal()
