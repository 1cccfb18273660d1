"""Background tasks (django-tasks; run by `manage.py db_worker`).

`followups_remind` makes follow-ups due and stamps them reminded; it then
queues itself for the next day, unless a run is already waiting, so that
one enqueue (`manage.py reintegration_followups --schedule`, run by
`make demo`) keeps it going. `manage.py reintegration_followups` runs the
same work at once (for cron, or by hand).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import default_task_backend, task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from safepassage.vault import keyring

from .services import followups_make_due

logger = logging.getLogger("safepassage.reintegration")


@task()
def followups_remind() -> int:
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    moved = followups_make_due()
    followups_schedule(timezone.now() + dt.timedelta(days=1))
    return moved


def followups_schedule(at: dt.datetime) -> bool:
    """Queue a run at `at` unless one is already waiting; True if queued.
    Backends that cannot defer (the tests' immediate one) are left alone."""
    backend = default_task_backend
    if not backend.supports_defer:
        return False
    waiting = DBTaskResult.objects.filter(
        task_path=followups_remind.module_path, status=TaskResultStatus.READY
    ).exists()
    if waiting:
        return False
    try:
        followups_remind.using(run_after=at).enqueue()
    except Exception:  # the command catches up
        logger.exception("reintegration: could not schedule the follow-up reminders")
        return False
    return True
