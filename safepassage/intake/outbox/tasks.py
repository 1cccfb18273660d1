"""The outbox's background work: the sender run (django-tasks, run by
`manage.py db_worker`) and the wake-up that brings it back when the
earliest queued message falls due."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from safepassage.vault import keyring

from .rows import outbox_next_due
from .sending import outbox_send_due

logger = logging.getLogger("safepassage.intake")


@task()
def send_outbox() -> dict[str, int]:
    """Send the outbox's due messages, then make sure the worker comes back
    when the earliest message still queued falls due (`outbox_wake`)."""
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    counts = dict(outbox_send_due())
    following = outbox_next_due()
    if following is not None:
        outbox_wake(following)
    return counts


def outbox_enqueue() -> None:
    """Wake the sender now (after a commit that queued a message)."""
    try:
        send_outbox.enqueue()
    except Exception:  # the row is queued; `manage.py outbox_send` catches up
        logger.exception("intake: could not enqueue the outbox")


def outbox_wake(at: dt.datetime) -> bool:
    """Queue a sender run for `at` (now, if that is past) unless one is
    already waiting to run by then; True if one was queued. Backends that
    cannot defer (the test settings' immediate one) are left alone: their
    callers run the sender themselves."""
    backend = default_task_backend
    if not backend.supports_defer:
        return False
    at = max(at, timezone.now())
    if _sender_waiting_by(at):
        return False
    try:
        send_outbox.using(run_after=at).enqueue()
    except Exception:  # the rows stay queued; `manage.py outbox_send` catches up
        logger.exception("intake: could not schedule the outbox")
        return False
    return True


def _sender_waiting_by(at: dt.datetime) -> bool:
    """A sender run is queued to start no later than `at` (the database
    backend's rows; a run already under way schedules its own follow-up).
    Rows queued under the task's old path (`intake.tasks.send_outbox`,
    before the outbox became a package) count too."""
    return (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path__in=[send_outbox.module_path, OLD_PATH],
        )
        .filter(Q(run_after__lte=at) | Q(run_after=get_date_max()))
        .exists()
    )


#: Where the task lived before issue 19 (`intake/tasks.py` still names it).
OLD_PATH = "safepassage.intake.tasks.send_outbox"
