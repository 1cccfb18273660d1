"""Background tasks (django-tasks; the database backend, run by `manage.py db_worker`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from safepassage.vault import keyring

from .outbox import outbox_next_due, outbox_send_due
from .processing import TRANSIENT, update_process

logger = logging.getLogger("safepassage.intake")


@task()
def process_update(update_id: int) -> str:
    """Read one stored update. A worker unlocks the key ring as the server does
    (the passphrase file handed over by the service manager); while it is
    locked the task fails and `manage.py intake_process` picks the update up later."""
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    return update_process(update_id)


@task()
def process_updates(update_ids: list[int]) -> dict[str, int]:
    """Read a batch of stored updates (the spool's drain queues one per batch).

    Each is read alone: one that fails is quarantined by `update_process`;
    one that meets a transient failure (locked database, locked key ring)
    stays `received` for `manage.py intake_process`, and the rest go on."""
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    outcome: Counter[str] = Counter()
    for pk in update_ids:
        try:
            outcome[update_process(pk)] += 1
        except TRANSIENT as exc:
            logger.warning("intake: update %s left waiting (%s)", pk, type(exc).__name__)
            outcome["waiting"] += 1
    return dict(outcome)


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
    backend's rows; a run already under way schedules its own follow-up)."""
    return (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=send_outbox.module_path
        )
        .filter(Q(run_after__lte=at) | Q(run_after=get_date_max()))
        .exists()
    )


@task()
def drain_spool() -> dict[str, int]:
    """Move ready webhook spool files into the database (`spool.py`)."""
    from dataclasses import asdict

    from .spool import spool_drain

    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    return asdict(spool_drain())
