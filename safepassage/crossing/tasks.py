"""Background tasks (django-tasks; run by `manage.py db_worker`).

`notify_alert` sends one alert's notice to the staff channel as soon as
the alert is committed. `crossing_tick` does what falls due with time
(overdue plans, escalations, erasing plans after their window) and
queues itself again for the next moment something falls due
(`crossing_wake`), the way the outbox wakes itself, so that no timer or
cron job is needed while the worker runs; `manage.py crossing_tick`
catches up after a worker was down.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Min, Q
from django.utils import timezone
from django_tasks import default_task_backend, task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from safepassage.vault import keyring

from .models import AlertKind, CrossingAlert, CrossingPlan, PlanState
from .notify import alert_notify
from .services import alerts_escalate, escalate_after, grace, plans_erase_due, plans_overdue
from .signals import alert_notice_due, schedule_changed

logger = logging.getLogger("safepassage.crossing")


def _unlock() -> None:
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()


@task()
def notify_alert(alert_id: int) -> str:
    _unlock()
    return alert_notify(alert_id)


def crossing_due(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "overdue": plans_overdue(now=now),
        "escalated": alerts_escalate(now=now),
        "erased": plans_erase_due(now=now),
    }


@task()
def crossing_tick() -> dict[str, int]:
    _unlock()
    counts = crossing_due()
    following = crossing_next_due()
    if following is not None:
        crossing_wake(following)
    return counts


def crossing_next_due() -> dt.datetime | None:
    """The next moment something falls due (perhaps already past), or None.
    What was handled leaves the candidates, so a tick never loops."""
    moments = []
    waiting = (
        CrossingPlan.objects.filter(state=PlanState.ACTIVE)
        .exclude(alerts__kind=AlertKind.OVERDUE)
        .aggregate(first=Min("window_end"))["first"]
    )
    if waiting is not None:
        moments.append(waiting + grace())
    erase = CrossingPlan.objects.filter(sent_at__isnull=False, erased_at__isnull=True).aggregate(
        first=Min("window_end")
    )["first"]
    if erase is not None:
        moments.append(erase)
    raised = CrossingAlert.objects.filter(
        acknowledged_at__isnull=True, escalated_at__isnull=True
    ).aggregate(first=Min("raised_at"))["first"]
    if raised is not None:
        moments.append(raised + escalate_after())
    return min(moments) if moments else None


def crossing_wake(at: dt.datetime) -> bool:
    """Queue a tick for `at` unless one is already waiting by then."""
    backend = default_task_backend
    if not backend.supports_defer:
        return False
    at = max(at, timezone.now())
    waiting = (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=crossing_tick.module_path
        )
        .filter(Q(run_after__lte=at) | Q(run_after=get_date_max()))
        .exists()
    )
    if waiting:
        return False
    try:
        crossing_tick.using(run_after=at).enqueue()
    except Exception:  # `manage.py crossing_tick` catches up
        logger.exception("crossing: could not schedule the next tick")
        return False
    return True


def crossing_wake_soon() -> None:
    """After a plan or an alert changed: wake when its next moment falls due."""
    following = crossing_next_due()
    if following is not None:
        crossing_wake(following)


def _on_alert_notice_due(*, alert_id: int, **_kwargs: object) -> None:
    try:
        notify_alert.enqueue(alert_id)
    except Exception:  # kept in the product; `manage.py crossing_tick` retries
        logger.exception("crossing: could not queue a notice")


def _on_schedule_changed(**_kwargs: object) -> None:
    crossing_wake_soon()


def connect_scheduler() -> None:
    """Called once from `CrossingConfig.ready`."""
    alert_notice_due.connect(_on_alert_notice_due, dispatch_uid="crossing.notice_due")
    schedule_changed.connect(_on_schedule_changed, dispatch_uid="crossing.schedule_changed")
