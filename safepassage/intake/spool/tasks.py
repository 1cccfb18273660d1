"""The spool's background work: the drain (django-tasks), queued by the
writer when a file is ready or retired."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from safepassage.vault import keyring

from .draining import spool_drain


@task()
def drain_spool() -> dict[str, int]:
    """Move ready webhook spool files into the database (`draining.py`)."""
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    return asdict(spool_drain())
