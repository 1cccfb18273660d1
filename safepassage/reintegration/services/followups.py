"""Follow-ups: making them due, recording them, failed attempts, and the
check-in a channel may hand over.

`followups_make_due` is the background task's work (tasks.py): it is
idempotent and moves each follow-up at most once, so running it twice, or
from two workers, reminds once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.selectors import staff_get
from safepassage.audit.services import audit_record
from safepassage.cases import services as case_services
from safepassage.cases.models import Case

from .. import conf
from ..models import Documents, FollowUp, FollowUpSource, Health, Housing, Income, Plan
from ..who5 import who5_low, who5_score, who5_validate
from ..workflow import FollowUpState, PlanState, followup_move_allowed
from ._common import clean_text, plan_lock, plan_touch

logger = logging.getLogger("safepassage.reintegration")


def _lock_followup(followup: FollowUp, actor: User) -> tuple[FollowUp, Plan]:
    locked = FollowUp.objects.select_for_update().get(pk=followup.pk)
    plan = plan_lock(locked.plan, actor)
    return locked, plan


def _choice(value: str, choices: Any, what: str) -> str:
    if value in ("", None):
        return ""
    if value not in choices.values:
        raise ValidationError(_("Unknown answer for %(what)s.") % {"what": what})
    return str(value)


@transaction.atomic
def followup_record(
    *,
    actor: User,
    followup: FollowUp,
    held_on: dt.date,
    safe: bool | None,
    housing: str = "",
    income: str = "",
    documents: str = "",
    health: str = "",
    who5: Sequence[object] | None = None,
    needs: str = "",
) -> FollowUp:
    """Record a follow-up held with the person. Refused when dated before
    the plan starts or in the future. A successful follow-up lifts a
    lost-to-follow-up mark."""
    locked, plan = _lock_followup(followup, actor)
    if not followup_move_allowed(locked.state, FollowUpState.DONE):
        raise ValidationError(_("This follow-up is already recorded or cancelled."))
    if not isinstance(held_on, dt.date):
        raise ValidationError(_("Give the date of the follow-up."))
    if held_on < plan.starts_on:
        raise ValidationError(_("A follow-up cannot be dated before its plan starts."))
    if held_on > timezone.localdate():
        raise ValidationError(_("A follow-up cannot be dated in the future."))
    if safe is not None and not isinstance(safe, bool):
        raise ValidationError(_("Say whether the person is safe."))
    locked.housing = _choice(housing, Housing, str(_("housing")))
    locked.income = _choice(income, Income, str(_("income or work")))
    locked.documents = _choice(documents, Documents, str(_("documents")))
    locked.health = _choice(health, Health, str(_("health")))
    if who5 is not None:
        answers = who5_validate(who5)
        score = who5_score(answers)
        locked.who5 = {"items": answers, "score": score}
        locked.wellbeing_low = who5_low(score)
    locked.needs = clean_text(needs, limit=2000, what=str(_("needs")))
    locked.safe = safe
    locked.held_on = held_on
    locked.state = FollowUpState.DONE
    locked.source = FollowUpSource.STAFF
    locked.recorded_by = actor
    locked.save()
    if plan.lost_marked_at is not None:
        plan.lost_marked_at = None
        plan.save(update_fields=["lost_marked_at"])
    plan_touch(plan)
    audit_record(
        actor=actor,
        action="reintegration.followup_recorded",
        target=plan,
        unit=plan.unit_id,
        details={"followup": locked.pk, "months": locked.months},
    )
    return locked


@transaction.atomic
def followup_attempt_failed(*, actor: User, followup: FollowUp) -> FollowUp:
    """Count a failed attempt to reach the person. After
    `conf.lost_after_attempts()` failures the plan is marked lost to
    follow-up for the supervisors (the caseworker then closes it as lost,
    or a later follow-up lifts the mark)."""
    locked, plan = _lock_followup(followup, actor)
    if locked.state not in (FollowUpState.SCHEDULED, FollowUpState.DUE):
        raise ValidationError(_("This follow-up is already recorded or cancelled."))
    locked.attempts_failed += 1
    locked.save(update_fields=["attempts_failed"])
    marked = False
    if locked.attempts_failed >= conf.lost_after_attempts() and plan.lost_marked_at is None:
        plan.lost_marked_at = timezone.now()
        plan.save(update_fields=["lost_marked_at"])
        marked = True
    audit_record(
        actor=actor,
        action="reintegration.followup_attempt_failed",
        target=plan,
        unit=plan.unit_id,
        details={"followup": locked.pk, "attempts": locked.attempts_failed, "lost": marked},
    )
    return locked


@transaction.atomic
def followup_confirm(*, actor: User, followup: FollowUp) -> FollowUp:
    """The caseworker confirms a follow-up the person answered by check-in."""
    locked, plan = _lock_followup(followup, actor)
    if not (
        locked.state == FollowUpState.TO_CONFIRM
        and followup_move_allowed(locked.state, FollowUpState.DONE)
    ):
        raise ValidationError(_("Only a check-in answer waits for confirmation."))
    locked.state = FollowUpState.DONE
    locked.recorded_by = actor
    locked.save(update_fields=["state", "recorded_by"])
    if plan.lost_marked_at is not None:
        plan.lost_marked_at = None
        plan.save(update_fields=["lost_marked_at"])
    plan_touch(plan)
    audit_record(
        actor=actor,
        action="reintegration.followup_confirmed",
        target=plan,
        unit=plan.unit_id,
        details={"followup": locked.pk},
    )
    return locked


def followups_make_due(*, today: dt.date | None = None) -> int:
    """Move every scheduled follow-up whose date is within the due window
    to DUE and stamp it reminded (the owner's home page counts it). One
    transaction per follow-up: one bad row never stops the others.
    Returns how many moved."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=conf.due_window_days())
    ids = list(
        FollowUp.objects.filter(
            state=FollowUpState.SCHEDULED,
            due_on__lte=horizon,
            plan__state=PlanState.ACTIVE,
        ).values_list("pk", flat=True)[:10_000]
    )
    moved = 0
    for pk in ids:
        try:
            with transaction.atomic():
                row = FollowUp.objects.select_for_update().filter(pk=pk).first()
                if row is None or row.state != FollowUpState.SCHEDULED:
                    continue
                row.state = FollowUpState.DUE
                row.reminded_at = timezone.now()
                row.save(update_fields=["state", "reminded_at"])
                audit_record(
                    actor=None,
                    action="reintegration.followup_due",
                    target=row,
                    unit=row.unit_id,
                    details={"owner": row.owner_id, "months": row.months},
                )
                moved += 1
        except Exception as error:  # the next row must still move
            logger.error("reintegration: follow-up %s not made due [%s]", pk, type(error).__name__)
            continue
    return moved


#: The answers a channel may hand over, with the values each may take.
CHECKIN_ANSWERS: Mapping[str, tuple[object, ...]] = {
    "safe": (True, False),
    "housing": tuple(Housing.values),
    "income": tuple(Income.values),
    "need_help": (True, False),
}


def _checkin_help_task(plan: Plan, case: Case) -> None:
    """A task for the plan's owner, raised by the system (`task_raise`:
    the audit names no user, since no member of staff acted). An owner
    who left the unit gets none assigned: the unit sees the task open."""
    owner = staff_get(plan.owner_id)
    case_services.task_raise(
        case=case,
        title=gettext("The person asked for help in a check-in."),
        due_on=timezone.localdate(),
        assignee=owner,
    )


@transaction.atomic
def checkin_help_raise(*, contact_case: Case) -> bool:
    """The person pressed "I need help" in a check-in: a task for the
    plan's owner at once (the rest of the check-in may never come).
    The CALLER has matched the contact to `contact_case`. False when the
    case has no active plan (nothing is raised; the conversation still
    reaches the unit's inbox)."""
    plan = Plan.objects.filter(case=contact_case, state=PlanState.ACTIVE).first()
    if plan is None:
        return False
    _checkin_help_task(plan, contact_case)
    audit_record(
        actor=None,
        action="reintegration.checkin_help_raised",
        target=plan,
        unit=plan.unit_id,
    )
    return True


@transaction.atomic
def followup_record_from_checkin(
    *,
    contact_case: Case,
    answers: Mapping[str, object],
    followup_id: int | None = None,
) -> FollowUp:
    """Land a person's check-in answers on a follow-up of their plan, for
    the caseworker to confirm (state TO_CONFIRM): the follow-up
    `followup_id` the check-in was sent for, else the plan's next open one.

    The CALLER (a channel) has already matched the contact's code and
    receipt to `contact_case`; this function trusts that and nothing else.
    `answers` holds only keys of CHECKIN_ANSWERS with their allowed values
    (anything else: ValidationError, nothing written). "need_help" raises
    a task for the plan's owner at once, by the system (`task_raise`).
    The channel check-in is `safepassage.grievances.checkin`.
    """
    clean: dict[str, object] = {}
    for key, value in answers.items():
        name = str(key)
        if name in ("safe", "need_help"):
            ok = isinstance(value, bool)
        else:
            allowed = CHECKIN_ANSWERS.get(name, ())
            ok = isinstance(value, str) and value in allowed
        if not ok:
            raise ValidationError(_("Unknown check-in answer."))
        clean[name] = value
    plan = (
        Plan.objects.select_for_update().filter(case=contact_case, state=PlanState.ACTIVE).first()
    )
    if plan is None:
        raise ValidationError(_("No active plan for this case."))
    open_followups = FollowUp.objects.select_for_update().filter(
        plan=plan, state__in=[FollowUpState.SCHEDULED, FollowUpState.DUE]
    )
    if followup_id is not None:
        open_followups = open_followups.filter(pk=followup_id)
    followup = open_followups.order_by("due_on").first()
    if followup is None:
        raise ValidationError(_("No follow-up is waiting for this plan."))
    today = timezone.localdate()
    followup.held_on = max(today, plan.starts_on)
    safe = clean.get("safe")
    followup.safe = safe if isinstance(safe, bool) else None
    followup.housing = str(clean.get("housing", ""))
    followup.income = str(clean.get("income", ""))
    followup.needs = ""
    followup.state = FollowUpState.TO_CONFIRM
    followup.source = FollowUpSource.CHECKIN
    followup.save()
    need_help = clean.get("need_help") is True
    if need_help:
        _checkin_help_task(plan, contact_case)
    audit_record(
        actor=None,
        action="reintegration.checkin_received",
        target=plan,
        unit=plan.unit_id,
        details={"followup": followup.pk, "need_help": need_help},
    )
    return followup
