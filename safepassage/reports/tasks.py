"""Background refresh (django-tasks; run by `manage.py db_worker`).

`reports_refresh_task` refreshes the dirty cases in batches, publishes
every period that has closed since the last release (publication.py:
suppression and its check run here, so that no page view runs them),
then queues
itself again in REFRESH_EVERY, unless a run is already waiting, so that
one enqueue (`manage.py reports_refresh --schedule`, run by `make demo`)
keeps the figures fresh. Backends that cannot defer (the tests'
immediate one) are left alone: the tests call the service directly.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import default_task_backend, task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from safepassage.vault import keyring

from .publication import reports_publish
from .services import reports_refresh

logger = logging.getLogger("safepassage.reports")

REFRESH_EVERY = dt.timedelta(minutes=5)


@task()
def reports_refresh_task() -> int:
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    refreshed = reports_refresh()
    reports_publish()
    reports_schedule(timezone.now() + REFRESH_EVERY)
    return refreshed


def reports_schedule(at: dt.datetime) -> bool:
    """Queue a refresh at `at` unless one is already waiting; True if queued."""
    backend = default_task_backend
    if not backend.supports_defer:
        return False
    waiting = DBTaskResult.objects.filter(
        task_path=reports_refresh_task.module_path, status=TaskResultStatus.READY
    ).exists()
    if waiting:
        return False
    try:
        reports_refresh_task.using(run_after=at).enqueue()
    except Exception:  # the command catches up
        logger.exception("reports: could not schedule the refresh")
        return False
    return True
