"""Every read of complaints starts from `grievances_visible_to`: all of
them for headquarters' complaint roles (`policies.py`), none for anyone
else. A refused look-up of an existing complaint is audited under
HEADQUARTERS (never the unit it concerns) and answers like an absent one.

`grievance_counts` is the reports' view: counts per unit, month and
kind, without content and without a user (the caller applies its own
disclosure control)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.http import HttpRequest

from safepassage.audit.services import audit_record

from .models import CheckIn, Grievance
from .policies import user_handles_grievances
from .workflow import OPEN_STATES, CheckInStep


class GrievanceNotFound(Exception):
    """No such complaint for this user (absent, or not theirs)."""


def grievances_visible_to(user: Any) -> QuerySet[Grievance]:
    if not user_handles_grievances(user):
        return Grievance.objects.none()
    return Grievance.objects.select_related(
        "data_key__unit_key", "hq_unit", "concerns_unit", "case", "answered_by"
    )


def grievances_open(*, user: Any) -> QuerySet[Grievance]:
    return grievances_visible_to(user).filter(state__in=OPEN_STATES)


def grievances_open_count(*, user: Any) -> int:
    return grievances_open(user=user).count()


def grievance_get_for_user(
    *, user: Any, public_id: str | uuid.UUID, request: HttpRequest | None = None
) -> Grievance:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise GrievanceNotFound() from None
    found = grievances_visible_to(user).filter(public_id=key).first()
    if found is None:
        other = Grievance.objects.filter(public_id=key).only("pk", "hq_unit_id").first()
        if other is not None:
            audit_record(
                actor=user,
                action="grievances.access_refused",
                target=other,
                unit=other.hq_unit_id,
                request=request,
            )
        raise GrievanceNotFound()
    return found


@dataclass(frozen=True)
class GrievanceCount:
    """One cell: complaints received about `unit_id` (None: no unit known,
    e.g. the code and receipt did not match) in `month` (its first day),
    of `kind`."""

    unit_id: int | None
    month: dt.date
    kind: str
    count: int


def grievance_counts(*, period_from: dt.date, period_to: dt.date) -> list[GrievanceCount]:
    """Complaints received from `period_from` to `period_to` (both
    included, by day received), counted per unit concerned, month and
    kind. No content, no case, nothing decrypted."""
    rows = (
        Grievance.objects.filter(
            received_at__date__gte=period_from, received_at__date__lte=period_to
        )
        .annotate(month=TruncMonth("received_at"))
        .values("concerns_unit_id", "month", "kind")
        .annotate(count=Count("pk"))
        .order_by("month", "concerns_unit_id", "kind")
    )
    result = []
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        result.append(
            GrievanceCount(
                unit_id=row["concerns_unit_id"], month=month, kind=row["kind"], count=row["count"]
            )
        )
    return result


def checkin_open_for(contact_root_id: int) -> CheckIn | None:
    """The check-in still asking this conversation (its root), if any."""
    return (
        CheckIn.objects.filter(contact_id=contact_root_id)
        .exclude(step__in=[CheckInStep.DONE, CheckInStep.EXPIRED])
        .order_by("-sent_at", "-pk")
        .first()
    )


def checkin_followup_ids() -> set[int]:
    """Follow-ups a check-in was already sent for."""
    return set(CheckIn.objects.values_list("followup_id", flat=True))
