"""Every read of the crossing, starting from what the user may see
(`policies.py`): the case unit's handlers, and headquarters' protection
officers. A refused look-up of an existing plan or alert is audited
without telling the user whether it exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from safepassage.audit.services import audit_read, audit_record
from safepassage.cases.models import Case

from .models import CrossingAlert, CrossingPlan, PlanState, StaffChannel
from .policies import user_is_handler_of, user_is_hq_protection


class NotFound(Exception):
    """No such plan or alert for this user (absent, or not theirs)."""


def plans_visible_to(user: Any) -> QuerySet[CrossingPlan]:
    base = CrossingPlan.objects.select_related("case__unit", "data_key__unit_key")
    if user_is_hq_protection(user):
        return base
    if user_is_handler_of(user, getattr(user, "unit_id", -1)):
        return base.filter(case__unit_id=user.unit_id)
    return base.none()


def alerts_visible_to(user: Any) -> QuerySet[CrossingAlert]:
    base = CrossingAlert.objects.select_related("plan__case", "acknowledged_by")
    if user_is_hq_protection(user):
        return base
    if user_is_handler_of(user, getattr(user, "unit_id", -1)):
        return base.filter(unit_id=user.unit_id)
    return base.none()


def _refused(user: Any, target: Any, unit: int, request: HttpRequest | None) -> None:
    audit_record(
        actor=user, action="crossing.access_refused", target=target, unit=unit, request=request
    )


def plan_get_for_user(*, user: Any, public_id: Any, request: HttpRequest | None = None) -> Any:
    plan = plans_visible_to(user).filter(public_id=public_id).first()
    if plan is None:
        other = CrossingPlan.objects.filter(public_id=public_id).select_related("case").first()
        if other is not None:
            _refused(user, other, other.case.unit_id, request)
        raise NotFound()
    return plan


def alert_get_for_user(*, user: Any, pk: int, request: HttpRequest | None = None) -> CrossingAlert:
    alert = alerts_visible_to(user).filter(pk=pk).first()
    if alert is None:
        other = CrossingAlert.objects.filter(pk=pk).first()
        if other is not None:
            _refused(user, other, other.unit_id, request)
        raise NotFound()
    return alert


def plans_for_case(*, user: Any, case: Case) -> list[CrossingPlan]:
    """The case's plans (newest first), nothing decrypted."""
    return list(plans_visible_to(user).filter(case=case))


def plan_active_for_case(*, user: Any, case: Case) -> CrossingPlan | None:
    return plans_visible_to(user).filter(case=case, state=PlanState.ACTIVE).first()


PLAN_FIELDS = [
    "meeting_point",
    "place_shared",
    "fallback_point",
    "bring",
    "leave_behind",
    "items_declared",
    "arrival_note",
]


def plan_detail(
    *, user: Any, plan: CrossingPlan, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The plan decrypted for its page, with the words; an audited read."""
    fields = [*PLAN_FIELDS, "words"] if plan.words_drawn_at else PLAN_FIELDS
    audit_read(
        actor=user,
        target=plan,
        fields=fields,
        purpose="crossing_plan",
        unit=plan.case.unit_id,
        request=request,
    )
    return {
        "plan": plan,
        "team": list(plan.team.all()),
        "words": plan.words if plan.words_drawn_at else None,
        "revisions": plan.revisions.select_related("actor").only(
            "version", "created_at", "actor__username", "plan_id"
        ),
        "alerts": list(plan.alerts.select_related("acknowledged_by")),
    }


@dataclass(frozen=True)
class AlertRow:
    """What the home panel shows: nothing personal."""

    pk: int
    code: str
    kind: str
    kind_label: str
    raised_at: Any
    escalated: bool
    plan_public_id: Any
    notify_state: str


def alerts_open_for(*, user: Any) -> list[AlertRow]:
    rows = alerts_visible_to(user).filter(acknowledged_at__isnull=True).order_by("raised_at")
    return [
        AlertRow(
            pk=a.pk,
            code=a.plan.case.code,
            kind=a.kind,
            kind_label=a.get_kind_display(),
            raised_at=a.raised_at,
            escalated=a.escalated_at is not None,
            plan_public_id=a.plan.public_id,
            notify_state=a.notify_state,
        )
        for a in rows[:50]
    ]


def staff_channel_for(*, unit_id: int) -> StaffChannel | None:
    return StaffChannel.objects.select_related("data_key__unit_key").filter(unit_id=unit_id).first()
