"""The unit's case list (by keyset, nothing decrypted) and its dashboard
counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.utils import timezone

from ..models import Task
from ..workflow import Status

if TYPE_CHECKING:
    from safepassage.accounts.models import User
from .cases import cases_visible_to
from .transfers import transfers_incoming_for

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A row of the case list: no model instance, nothing encrypted."""

    pk: int
    code: str
    status: str
    priority: int
    updated_at: dt.datetime
    conversation_unread_since: dt.datetime | None = None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    status: str
    next_before: int | None
    unread: bool = False


def case_page(
    *, user: User, status: str = "", before: str | int = "", unread: bool = False
) -> CasePage:
    """One page of the unit's cases, newest first, by keyset (id < before);
    with `unread`, only those whose conversation has news from the person.

    Reads no encrypted field: the list decrypts nothing.
    """
    qs = cases_visible_to(user)
    if unread:
        qs = qs.filter(conversation_unread_since__isnull=False)
    if status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    try:
        before_id = int(before) if before not in ("", None) else None
    except (TypeError, ValueError):
        before_id = None
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    columns = ("id", "code", "status", "priority", "updated_at", "conversation_unread_since")
    rows = [
        CaseRow(*values) for values in qs.order_by("-id").values_list(*columns)[: PAGE_SIZE + 1]
    ]
    next_before = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return CasePage(rows=rows[:PAGE_SIZE], status=status, next_before=next_before, unread=unread)


def cases_unread_count(*, user: User) -> int:
    """How many of the user's unit's cases have news from the person."""
    return int(cases_visible_to(user).filter(conversation_unread_since__isnull=False).count())


def unit_dashboard(*, user: User) -> dict[str, Any]:
    """Counts by status, tasks due within a week, transfers waiting. No personal data."""
    visible = cases_visible_to(user)
    counts = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    soon = timezone.localdate() + dt.timedelta(days=7)
    tasks = (
        Task.objects.filter(case__in=visible, done_at__isnull=True, due_on__lte=soon)
        .select_related("case")
        .only("id", "due_on", "case__code", "case__id")
        .order_by("due_on")[:20]
    )
    return {
        "status_counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
        "total": sum(counts.values()),
        "tasks_due": list(tasks),
        "today": timezone.localdate(),
        "incoming": list(transfers_incoming_for(user)),
        "unread": cases_unread_count(user=user),
    }
