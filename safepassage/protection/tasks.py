"""Background tasks (django-tasks; the database backend, run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from safepassage.vault import keyring

from .services import review_tasks_raise


@task()
def raise_review_tasks() -> int:
    """Turn every overdue risk review into a case task (once each). Enqueue
    it daily (cron, or `manage.py protection_reviews`)."""
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    return review_tasks_raise()
