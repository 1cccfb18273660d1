"""Background task (django-tasks; run by `manage.py db_worker`).

`checkins_remind` sends the channel check-in for every due follow-up not
yet asked (`checkin.checkins_send`), then queues itself for the next hour
unless a run is already waiting: one enqueue (`manage.py grievances_checkins
--schedule`, run by `make demo`) keeps it going. Hourly rather than daily,
so that a follow-up made due by `reintegration`'s daily run is asked the
same day.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import default_task_backend, task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from safepassage.vault import keyring

from .checkin import checkins_send

logger = logging.getLogger("safepassage.grievances")


@task()
def checkins_remind() -> int:
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    sent = checkins_send()
    checkins_schedule(timezone.now() + dt.timedelta(hours=1))
    return sent


def checkins_schedule(at: dt.datetime) -> bool:
    """Queue a run at `at` unless one is already waiting; True if queued."""
    backend = default_task_backend
    if not backend.supports_defer:
        return False
    waiting = DBTaskResult.objects.filter(
        task_path=checkins_remind.module_path, status=TaskResultStatus.READY
    ).exists()
    if waiting:
        return False
    try:
        checkins_remind.using(run_after=at).enqueue()
    except Exception:  # the command catches up
        logger.exception("grievances: could not schedule the check-ins")
        return False
    return True
