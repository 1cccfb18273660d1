"""A case's tasks: added, and marked done."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import TaskForm
from ..pages import case_or_404 as _case_or_404
from ..pages import case_view, to_detail
from ..pages import staff as _staff
from ..services.tasks import task_complete, task_create


@case_view
@require_POST
def task_add(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_or_404(request, code)
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            task_create(actor=_staff(request), case=case, **form.cleaned_data)
            messages.success(request, _("Task added."))
        except (ValidationError, PermissionDenied):
            messages.error(request, _("The task could not be added."))
    else:
        messages.error(request, _("A task needs a title, and a due date as year-month-day."))
    return to_detail(case)


@case_view
@require_POST
def task_done(request: HttpRequest, code: str, task_id: int) -> HttpResponse:
    case = _case_or_404(request, code)
    task = case.tasks.filter(pk=task_id).first()
    if task is None:
        raise Http404
    try:
        task_complete(actor=_staff(request), task=task)
        messages.success(request, _("Task done."))
    except (ValidationError, PermissionDenied):
        messages.error(request, _("This task cannot be marked done."))
    return to_detail(case)
