"""What the reintegration services share: locks, scope checks, refusals."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.cases.selectors import cases_assigned_to

from ..models import Plan
from ..policies import user_may_work_on_case, user_may_work_on_plan
from ..workflow import PlanState


def case_assigned(user: Any, case: Any) -> bool:
    return cases_assigned_to(user).filter(pk=case.pk).exists()


def require_case_work(actor: Any, case: Any) -> None:
    if not user_may_work_on_case(actor, case, assigned=case_assigned(actor, case)):
        raise PermissionDenied


def plan_lock(plan: Plan, actor: Any, *, active: bool = True) -> Plan:
    """The plan, row-locked, if the actor may work on it (and, with
    `active`, if it is still active)."""
    locked = Plan.objects.select_for_update().select_related("case").get(pk=plan.pk)
    if not user_may_work_on_plan(actor, locked, assigned=case_assigned(actor, locked.case)):
        raise PermissionDenied
    if active and locked.state != PlanState.ACTIVE:
        raise ValidationError(_("This plan is closed."))
    return locked


def plan_touch(plan: Plan) -> None:
    """Record progress on the plan (it is no longer stalled)."""
    plan.last_progress_at = timezone.now()
    plan.version += 1
    plan.save(update_fields=["last_progress_at", "version"])


def clean_text(value: str | None, *, limit: int, required: bool = False, what: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_("This text is required: %(what)s") % {"what": what})
    if len(text) > limit:
        raise ValidationError(
            _("%(what)s is too long (at most %(limit)d characters).")
            % {"what": what, "limit": limit}
        )
    return text
