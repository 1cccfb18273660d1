"""The task paths queued before issue 19, kept importable.

django-tasks stores a queued task by its import path
(`DBTaskResult.task_path`, e.g. ``safepassage.intake.tasks.send_outbox``)
and the worker imports that path when it runs the row. Each task now sits
beside what it runs (`processing.py`, `outbox/tasks.py`, `spool/tasks.py`);
rows queued by the old code before an upgrade still name this module, so
it names the same task objects. Nothing in the product imports it: new
rows carry the new paths. It can go once no queued row names it (`SELECT
task_path FROM django_tasks_database_dbtaskresult WHERE status='READY'`).
"""

from __future__ import annotations

from .outbox.tasks import outbox_wake, send_outbox
from .processing import process_update, process_updates
from .spool.tasks import drain_spool

__all__ = ["drain_spool", "outbox_wake", "process_update", "process_updates", "send_outbox"]
