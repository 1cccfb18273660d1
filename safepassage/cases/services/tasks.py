"""A case's tasks: created and completed by staff, or raised by the system."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record

from ..models import Case, Task
from .write import _bump, _case_write, _lock


@transaction.atomic
def task_create(
    *,
    actor: User,
    case: Case,
    title: str,
    due_on: dt.date | None = None,
    assignee: User | None = None,
) -> Task:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("The task needs a title."))
    with _case_write(case, actor=actor, action="cases.task_created") as write:
        locked = write.case
        if assignee is not None and assignee.unit_id != locked.unit_id:
            raise ValidationError(_("Tasks go to members of the case's unit."))
        task = Task.objects.create(
            case=locked, data_key=locked.data_key, title=title, due_on=due_on, assignee=assignee
        )
        write.details = {"task": task.pk, "has_due_date": due_on is not None}
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task) -> Task:
    locked_task = Task.objects.select_for_update().select_related("case").get(pk=task.pk)
    with _case_write(locked_task.case, actor=actor, action="cases.task_completed") as write:
        if locked_task.done_at is not None:
            raise ValidationError(_("This task is already done."))
        locked_task.done_at = timezone.now()
        locked_task.save(update_fields=["done_at"])
        write.details = {"task": locked_task.pk}
    return locked_task


@transaction.atomic
def task_raise(
    *, case: Case, title: str, due_on: dt.date | None = None, assignee: User | None = None
) -> Task:
    """A task raised by the system (a background job), not by a user: no
    actor to check; the audit names the system. `assignee`, when given,
    must be a member of the case's unit."""
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("The task needs a title."))
    locked = _lock(case, None)
    if assignee is not None and assignee.unit_id != locked.unit_id:
        assignee = None
    task = Task.objects.create(
        case=locked, data_key=locked.data_key, title=title, due_on=due_on, assignee=assignee
    )
    _bump(locked)
    audit_record(
        actor=None,
        action="cases.task_created",
        target=locked,
        unit=locked.unit,
        details={"task": task.pk, "has_due_date": due_on is not None, "raised": True},
    )
    case.version = locked.version
    return task
