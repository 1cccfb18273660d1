"""Background tasks (django-tasks; the database backend, run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from safepassage.vault import keyring

from .outbox import outbox_send_due
from .processing import update_process


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
    """Read a batch of stored updates (the spool's drain queues one per batch)."""
    from collections import Counter

    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    return dict(Counter(update_process(pk) for pk in update_ids))


@task()
def send_outbox() -> dict[str, int]:
    """Send the outbox's due messages (one run; queued again ones wait for the next)."""
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    return dict(outbox_send_due())


@task()
def drain_spool() -> dict[str, int]:
    """Move ready webhook spool files into the database (`spool.py`)."""
    from dataclasses import asdict

    from .spool import spool_drain

    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    return asdict(spool_drain())
