"""Settings of the reintegration app, read at call time (never at import).

REINTEGRATION_FOLLOWUP_MONTHS: months after a plan's start at which a
    follow-up is scheduled (default 1, 3, 6, 12).
REINTEGRATION_LOST_AFTER_ATTEMPTS: failed follow-up attempts after which
    the plan is marked lost to follow-up (default 3).
REINTEGRATION_STALLED_DAYS: an active plan with no progress for this many
    days is "stalled" on the supervisor's page (default 30).
REINTEGRATION_DUE_WINDOW_DAYS: a follow-up becomes due this many days
    before its date (default 7).
"""

from __future__ import annotations

from django.conf import settings


def followup_months() -> tuple[int, ...]:
    months = getattr(settings, "REINTEGRATION_FOLLOWUP_MONTHS", (1, 3, 6, 12))
    return tuple(sorted({int(m) for m in months if int(m) > 0}))


def lost_after_attempts() -> int:
    return max(1, int(getattr(settings, "REINTEGRATION_LOST_AFTER_ATTEMPTS", 3)))


def stalled_days() -> int:
    return max(1, int(getattr(settings, "REINTEGRATION_STALLED_DAYS", 30)))


def due_window_days() -> int:
    return max(0, int(getattr(settings, "REINTEGRATION_DUE_WINDOW_DAYS", 7)))
