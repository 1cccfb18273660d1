"""Every write of the crossing. Keyword-only, atomic, audited in the same
transaction; audit payloads carry ids, kinds and versions, never a place,
a word or a name.

Locking: services that change a plan take a row lock on it
(`select_for_update`); a change posted against an older version is
refused as stale. The case's status moves only through
`cases.services.case_transition`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record
from safepassage.cases.models import Case
from safepassage.cases.services import IllegalTransition, case_transition
from safepassage.cases.workflow import Status
from safepassage.intake.models import Contact
from safepassage.intake.prompts import contact_for_case, prompt_erase, prompt_text_send

from .models import (
    AlertKind,
    CrossingAlert,
    CrossingPlan,
    PersonAnswer,
    PlanRevision,
    PlanState,
    StaffChannel,
)
from .person import ask_to_delete_text, checkin_text, plan_message_send
from .policies import (
    user_is_handler_of,
    user_is_hq_protection,
    user_may_configure_channel,
    user_may_plan,
)
from .signals import alert_notice_due, schedule_changed
from .words import WordPair, answer_check_of, answer_matches, words_draw

logger = logging.getLogger("safepassage.crossing")

#: Case statuses in which a plan may be made or changed.
PLANNABLE = (Status.PLANNING, Status.IN_TRANSIT)
TEXT_MAX = {"meeting_point": 1000, "place_shared": 300, "fallback_point": 1000}


class CrossingRefused(Exception):
    """A refused crossing action; `code` for tests and the audit, `message`
    for the person acting. With `audit` (action, actor, target, unit) the
    refusal is recorded by `refusals_audited` after the service's
    transaction has rolled back, so that the record survives it."""

    def __init__(
        self, code: str, message: Any, *, audit: tuple[str, Any, Any, Any] | None = None
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.audit = audit


F = TypeVar("F", bound=Callable[..., Any])


def refusals_audited(function: F) -> F:
    """Outside `transaction.atomic`: record an audited refusal once the
    service's own writes are rolled back."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except CrossingRefused as refused:
            if refused.audit is not None:
                action, actor, target, unit = refused.audit
                with transaction.atomic():
                    audit_record(
                        actor=actor,
                        action=action,
                        target=target,
                        unit=unit,
                        details={"reason": refused.code},
                    )
            raise

    return cast(F, wrapper)


def _scope_refused(actor: Any, target: Any, unit: Any, message: Any) -> CrossingRefused:
    return CrossingRefused("scope", message, audit=("crossing.refused", actor, target, unit))


def window_max() -> dt.timedelta:
    return dt.timedelta(hours=settings.CROSSING_WINDOW_MAX_HOURS)


def grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CROSSING_GRACE_MINUTES)


def escalate_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CROSSING_ESCALATE_MINUTES)


def _check_window(
    start: dt.datetime, end: dt.datetime, fallback_at: dt.datetime | None, now: dt.datetime
) -> None:
    if start is None or end is None or timezone.is_naive(start) or timezone.is_naive(end):
        raise CrossingRefused("window_missing", _("Give the start and the end of the window."))
    if end <= start:
        raise CrossingRefused("window_order", _("The window must end after it starts."))
    if end <= now:
        raise CrossingRefused("window_past", _("The window is in the past."))
    if end - start > window_max():
        raise CrossingRefused(
            "window_long",
            _("The window is longer than %(hours)s hours.")
            % {"hours": settings.CROSSING_WINDOW_MAX_HOURS},
        )
    if fallback_at is not None and (timezone.is_naive(fallback_at) or fallback_at <= now):
        raise CrossingRefused("fallback_past", _("The fallback time is in the past."))


def _check_text(fields: dict[str, str]) -> dict[str, str]:
    cleaned = {}
    for name, value in fields.items():
        text = (value or "").strip()
        if "\x00" in text:
            raise CrossingRefused("text_nul", _("The text holds a character that is not allowed."))
        if len(text) > TEXT_MAX.get(name, 2000):
            raise CrossingRefused("text_long", _("A text is too long."))
        cleaned[name] = text
    if not cleaned.get("meeting_point") or not cleaned.get("place_shared"):
        raise CrossingRefused(
            "place_missing", _("Give the meeting point and what the person is told of it.")
        )
    return cleaned


def _check_team(team: Sequence[User], unit_id: int) -> list[User]:
    members = list(team)
    if any(not m.is_active or m.unit_id != unit_id for m in members):
        raise CrossingRefused("team_unit", _("Everyone who goes must be active in the unit."))
    return members


def _snapshot(plan: CrossingPlan) -> dict[str, Any]:
    return {
        "meeting_point": plan.meeting_point,
        "place_shared": plan.place_shared,
        "window_start": plan.window_start.isoformat(),
        "window_end": plan.window_end.isoformat(),
        "fallback_point": plan.fallback_point,
        "fallback_at": plan.fallback_at.isoformat() if plan.fallback_at else None,
        "team": sorted(plan.team.values_list("pk", flat=True)),
        "bring": plan.bring,
        "leave_behind": plan.leave_behind,
        "items_declared": plan.items_declared,
    }


def _revision(plan: CrossingPlan, actor: User) -> None:
    PlanRevision.objects.create(
        plan=plan,
        data_key_id=plan.data_key_id,
        version=plan.version,
        snapshot=_snapshot(plan),
        actor=actor,
    )


def _guard_case(actor: User, case: Case) -> None:
    if not user_may_plan(actor, case.unit_id):
        raise _scope_refused(
            actor, case, case.unit_id, _("You may not plan a crossing for this case.")
        )
    if case.status not in PLANNABLE:
        raise CrossingRefused(
            "status", _("A crossing is planned while the case is in Planning or In transit.")
        )


@refusals_audited
@transaction.atomic
def plan_create(
    *,
    actor: User,
    case: Case,
    meeting_point: str,
    place_shared: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    fallback_point: str = "",
    fallback_at: dt.datetime | None = None,
    team: Sequence[User] = (),
    bring: str = "",
    leave_behind: str = "",
    items_declared: str = "",
    now: dt.datetime | None = None,
) -> CrossingPlan:
    """The case's plan (version 1). Refused: another unit's case, a case not
    in Planning or In transit, a window in the past or too long, a second
    active plan (also a database constraint)."""
    _guard_case(actor, case)
    _check_window(window_start, window_end, fallback_at, now or timezone.now())
    texts = _check_text(
        {
            "meeting_point": meeting_point,
            "place_shared": place_shared,
            "fallback_point": fallback_point,
            "bring": bring,
            "leave_behind": leave_behind,
            "items_declared": items_declared,
        }
    )
    members = _check_team(team, case.unit_id)
    if CrossingPlan.objects.filter(case=case, state=PlanState.ACTIVE).exists():
        raise CrossingRefused(
            "second_active",
            _("This case already has an active plan."),
            audit=("crossing.refused", actor, case, case.unit_id),
        )
    try:
        with transaction.atomic():
            plan = CrossingPlan.objects.create(
                case=case,
                data_key_id=case.data_key_id,
                window_start=window_start,
                window_end=window_end,
                fallback_at=fallback_at,
                words={},
                created_by=actor,
                **texts,
            )
    except IntegrityError:  # a plan made at the same moment
        raise CrossingRefused("second_active", _("This case already has an active plan.")) from None
    plan.team.set(members)
    _revision(plan, actor)
    audit_record(
        actor=actor,
        action="crossing.plan_created",
        target=plan,
        unit=case.unit_id,
        details={"case": case.pk, "version": 1},
    )
    _wake_after_commit()
    return plan


def _lock(plan: CrossingPlan) -> CrossingPlan:
    return (
        CrossingPlan.objects.select_for_update()
        .select_related("case__unit", "data_key__unit_key")
        .get(pk=plan.pk)
    )


@refusals_audited
@transaction.atomic
def plan_update(
    *,
    actor: User,
    plan: CrossingPlan,
    expected_version: int,
    meeting_point: str,
    place_shared: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    fallback_point: str = "",
    fallback_at: dt.datetime | None = None,
    team: Sequence[User] = (),
    bring: str = "",
    leave_behind: str = "",
    items_declared: str = "",
    now: dt.datetime | None = None,
) -> CrossingPlan:
    """A new version of an active plan; a plan already told to the person
    is told again (the old message erased first)."""
    locked = _lock(plan)
    _guard_case(actor, locked.case)
    if locked.state != PlanState.ACTIVE:
        raise CrossingRefused("closed", _("This plan is closed."))
    if locked.version != expected_version:
        raise CrossingRefused(
            "stale", _("Someone else changed this plan meanwhile. Reload it and try again.")
        )
    _check_window(window_start, window_end, fallback_at, now or timezone.now())
    texts = _check_text(
        {
            "meeting_point": meeting_point,
            "place_shared": place_shared,
            "fallback_point": fallback_point,
            "bring": bring,
            "leave_behind": leave_behind,
            "items_declared": items_declared,
        }
    )
    members = _check_team(team, locked.case.unit_id)
    for name, value in texts.items():
        setattr(locked, name, value)
    locked.window_start, locked.window_end, locked.fallback_at = (
        window_start,
        window_end,
        fallback_at,
    )
    locked.version += 1
    locked.save()
    locked.team.set(members)
    _revision(locked, actor)
    audit_record(
        actor=actor,
        action="crossing.plan_changed",
        target=locked,
        unit=locked.case.unit_id,
        details={"version": locked.version},
    )
    if locked.sent_at is not None:
        _send(actor, locked)
    _wake_after_commit()
    return locked


@refusals_audited
@transaction.atomic
def plan_words_draw(*, actor: User, plan: CrossingPlan) -> WordPair:
    """Draw the plan's recognition words, once. A second request is refused
    and recorded (`crossing.words_requested_twice`): words are single use
    per plan, and a request for more is worth a look."""
    locked = _lock(plan)
    if not user_may_plan(actor, locked.case.unit_id):
        raise _scope_refused(actor, locked, locked.case.unit_id, _("You may not change this plan."))
    if locked.state != PlanState.ACTIVE:
        raise CrossingRefused("closed", _("This plan is closed."))
    if locked.words_drawn_at is not None:
        raise CrossingRefused(
            "words_twice",
            _("This plan's words were drawn already; they are drawn once per plan."),
            audit=("crossing.words_requested_twice", actor, locked, locked.case.unit_id),
        )
    pair = words_draw()
    locked.words = pair.as_json()
    locked.answer_check = answer_check_of(pair.second)
    locked.words_drawn_at = timezone.now()
    locked.save(update_fields=["words", "answer_check", "words_drawn_at", "updated_at"])
    audit_record(
        actor=actor, action="crossing.words_drawn", target=locked, unit=locked.case.unit_id
    )
    return pair


@refusals_audited
@transaction.atomic
def plan_send(*, actor: User, plan: CrossingPlan) -> CrossingPlan:
    """Tell the person their side of the plan through their own channel."""
    locked = _lock(plan)
    if not user_may_plan(actor, locked.case.unit_id):
        raise _scope_refused(actor, locked, locked.case.unit_id, _("You may not send this plan."))
    if locked.state != PlanState.ACTIVE:
        raise CrossingRefused("closed", _("This plan is closed."))
    if locked.words_drawn_at is None:
        raise CrossingRefused("no_words", _("Draw the recognition words first."))
    _send(actor, locked)
    return locked


def _send(actor: User, plan: CrossingPlan) -> None:
    contact = contact_for_case(plan.case_id)
    if contact is None:
        raise CrossingRefused(
            "no_contact", _("This case has no advance-contact conversation to send to.")
        )
    if plan.person_messages:
        prompt_erase(message_ids=plan.person_messages)
    message = plan_message_send(contact=contact, plan=plan)
    plan.person_messages = [message.pk]
    plan.sent_at = timezone.now()
    plan.erased_at = None
    plan.save(update_fields=["person_messages", "sent_at", "erased_at", "updated_at"])
    audit_record(
        actor=actor,
        action="crossing.plan_sent",
        target=plan,
        unit=plan.case.unit_id,
        details={"version": plan.version, "channel": contact.channel.kind},
    )


def _erase(plan: CrossingPlan) -> None:
    """Take the plan's message out of the person's chat (asked of the person
    on Messenger)."""
    if plan.person_messages and plan.erased_at is None:
        contact = contact_for_case(plan.case_id)
        prompt_erase(
            message_ids=plan.person_messages,
            ask_to_delete=ask_to_delete_text(contact) if contact is not None else "",
        )
        plan.erased_at = timezone.now()
        plan.save(update_fields=["erased_at", "updated_at"])
        audit_record(actor=None, action="crossing.plan_erased", target=plan, unit=plan.case.unit_id)


# ------------------------------------------------------------- the person


def plan_active_for_contact(contact: Contact) -> CrossingPlan | None:
    root = contact.continues or contact
    if root.case_id is None:
        return None
    return (
        CrossingPlan.objects.filter(case_id=root.case_id, state=PlanState.ACTIVE)
        .select_related("case__unit", "data_key__unit_key")
        .first()
    )


def person_answer_record(*, contact: Contact, choice: str) -> CrossingPlan | None:
    """The person's button: recorded on the active plan, with an alert for
    "in danger / abort". None (nothing changed, audited) when the
    contact's case has no active plan or the choice is unknown."""
    plan = plan_active_for_contact(contact)
    if plan is None or choice not in PersonAnswer.values or not choice:
        audit_record(
            actor=None,
            action="crossing.answer_without_plan",
            target=contact,
            details={"known_choice": choice in PersonAnswer.values},
        )
        return None
    locked = _lock(plan)
    locked.person_answer = choice
    locked.person_answer_at = timezone.now()
    locked.save(update_fields=["person_answer", "person_answer_at", "updated_at"])
    audit_record(
        actor=None,
        action="crossing.person_answered",
        target=locked,
        unit=locked.case.unit_id,
        details={"answer": choice},
    )
    if choice == PersonAnswer.ABORT:
        alert_raise(plan=locked, kind=AlertKind.ABORT)
    return locked


def person_duress(*, contact: Contact) -> CrossingAlert | None:
    plan = plan_active_for_contact(contact)
    if plan is None:
        return None
    return alert_raise(plan=plan, kind=AlertKind.DURESS)


# ------------------------------------------------------------- alerts


def alert_raise(*, plan: CrossingPlan, kind: str) -> CrossingAlert | None:
    """An alert for the plan's unit, sent to its staff channel after commit.
    None when one of this kind is still open for the plan (one is enough)."""
    if CrossingAlert.objects.filter(plan=plan, kind=kind, acknowledged_at__isnull=True).exists():
        return None
    try:
        with transaction.atomic():
            alert = CrossingAlert.objects.create(
                plan=plan, unit_id=plan.case.unit_id, kind=kind, raised_at=timezone.now()
            )
    except IntegrityError:  # raised at the same moment by another process
        return None
    audit_record(
        actor=None,
        action="crossing.alert_raised",
        target=alert,
        unit=plan.case.unit_id,
        details={"kind": kind, "plan": plan.pk},
    )
    transaction.on_commit(lambda: _notify_enqueue(alert.pk))
    _wake_after_commit()
    return alert


def _notify_enqueue(alert_id: int) -> None:
    """Ask the scheduler (`tasks`, connected in `apps.ready`) to send the alert's notice."""
    alert_notice_due.send(sender=CrossingAlert, alert_id=alert_id)


def _wake_after_commit() -> None:
    transaction.on_commit(lambda: schedule_changed.send(sender=CrossingPlan))


@refusals_audited
@transaction.atomic
def alert_acknowledge(*, actor: User, alert: CrossingAlert) -> CrossingAlert:
    locked = CrossingAlert.objects.select_for_update().get(pk=alert.pk)
    if not (user_is_handler_of(actor, locked.unit_id) or user_is_hq_protection(actor)):
        raise _scope_refused(
            actor, locked, locked.unit_id, _("You may not acknowledge this alert.")
        )
    if locked.acknowledged_at is not None:
        raise CrossingRefused("acknowledged", _("This alert was acknowledged already."))
    locked.acknowledged_by = actor
    locked.acknowledged_at = timezone.now()
    locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit_record(
        actor=actor,
        action="crossing.alert_acknowledged",
        target=locked,
        unit=locked.unit_id,
        details={"kind": locked.kind},
    )
    return locked


def alerts_escalate(*, now: dt.datetime | None = None) -> int:
    """Alerts nobody acknowledged within CROSSING_ESCALATE_MINUTES go to
    headquarters (marked, audited, sent to headquarters' staff channel)."""
    now = now or timezone.now()
    count = 0
    due = CrossingAlert.objects.filter(
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        raised_at__lte=now - escalate_after(),
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            alert = CrossingAlert.objects.select_for_update().get(pk=pk)
            if alert.acknowledged_at is not None or alert.escalated_at is not None:
                continue
            alert.escalated_at = now
            alert.save(update_fields=["escalated_at"])
            audit_record(
                actor=None,
                action="crossing.alert_escalated",
                target=alert,
                unit=alert.unit_id,
                details={"kind": alert.kind},
            )
            transaction.on_commit(functools.partial(_notify_enqueue, pk))
            count += 1
    return count


def plans_overdue(*, now: dt.datetime | None = None) -> int:
    """Active plans past their window and grace: an overdue alert, and one
    neutral check-in to the person (once per plan)."""
    now = now or timezone.now()
    count = 0
    due = CrossingPlan.objects.filter(
        state=PlanState.ACTIVE, window_end__lte=now - grace()
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            plan = (
                CrossingPlan.objects.select_for_update()
                .select_related("case__unit", "data_key__unit_key")
                .get(pk=pk)
            )
            if plan.state != PlanState.ACTIVE:
                continue
            raised = not plan.alerts.filter(kind=AlertKind.OVERDUE).exists() and alert_raise(
                plan=plan, kind=AlertKind.OVERDUE
            )
            if plan.checkin_sent_at is None and plan.sent_at is not None:
                contact = contact_for_case(plan.case_id)
                if contact is not None:
                    prompt_text_send(contact=contact, text=checkin_text(contact))
                plan.checkin_sent_at = now
                plan.save(update_fields=["checkin_sent_at", "updated_at"])
                audit_record(
                    actor=None, action="crossing.checkin_sent", target=plan, unit=plan.case.unit_id
                )
            count += 1 if raised else 0
    return count


def plans_erase_due(*, now: dt.datetime | None = None) -> int:
    """Plans whose window is over: their message leaves the person's chat."""
    now = now or timezone.now()
    count = 0
    due = CrossingPlan.objects.filter(
        sent_at__isnull=False, erased_at__isnull=True, window_end__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            plan = (
                CrossingPlan.objects.select_for_update()
                .select_related("case__unit", "data_key__unit_key")
                .get(pk=pk)
            )
            if plan.erased_at is None:
                _erase(plan)
                count += 1
    return count


# ------------------------------------------------------------- arrival


def _move_case(actor: User, case: Case, *targets: str, reason: str = "") -> None:
    for target in targets:
        if case.status == target:
            continue
        try:
            case_transition(actor=actor, case=case, target=target, reason=reason)
        except IllegalTransition:
            raise CrossingRefused(
                "case_status", _("The case cannot move to this status now.")
            ) from None


@refusals_audited
@transaction.atomic
def arrival_record(
    *,
    actor: User,
    plan: CrossingPlan,
    words_exchanged: bool,
    answer_heard: str = "",
    note: str = "",
) -> CrossingPlan:
    """The person arrived. With `words_exchanged`, `answer_heard` (the
    second word as the person said it) must match; without, `note` says
    why not. Closes the plan, erases its message from the person's chat,
    and moves the case to Received (through In transit)."""
    locked = _lock(plan)
    if not user_may_plan(actor, locked.case.unit_id):
        raise _scope_refused(
            actor, locked, locked.case.unit_id, _("You may not record this arrival.")
        )
    if locked.state != PlanState.ACTIVE:
        raise CrossingRefused("closed", _("This plan is closed."))
    note = (note or "").strip()[:1000]
    if words_exchanged:
        if not answer_matches(answer_heard, locked.answer_check):
            raise CrossingRefused(
                "words_mismatch",
                _("That is not the second word. If the words were not exchanged, say so and why."),
                audit=("crossing.words_mismatch", actor, locked, locked.case.unit_id),
            )
    elif not note:
        raise CrossingRefused("note_missing", _("Say why the words were not exchanged."))
    locked.state = PlanState.ARRIVED
    locked.words_exchanged = words_exchanged
    locked.arrival_note = note
    locked.closed_at = timezone.now()
    locked.save()
    _erase(locked)
    _move_case(actor, locked.case, Status.IN_TRANSIT, Status.RECEIVED)
    audit_record(
        actor=actor,
        action="crossing.arrived",
        target=locked,
        unit=locked.case.unit_id,
        details={"words_exchanged": words_exchanged},
    )
    return locked


@refusals_audited
@transaction.atomic
def not_arrived_record(*, actor: User, plan: CrossingPlan, reason: str) -> CrossingPlan:
    """Nobody came: the plan is kept for review, its message erased, the
    case moved to "Did not arrive"."""
    locked = _lock(plan)
    if not user_may_plan(actor, locked.case.unit_id):
        raise _scope_refused(actor, locked, locked.case.unit_id, _("You may not change this plan."))
    if locked.state != PlanState.ACTIVE:
        raise CrossingRefused("closed", _("This plan is closed."))
    reason = (reason or "").strip()[:1000]
    if not reason:
        raise CrossingRefused("note_missing", _("Say what happened."))
    locked.state = PlanState.NOT_ARRIVED
    locked.arrival_note = reason
    locked.closed_at = timezone.now()
    locked.save()
    _erase(locked)
    _move_case(actor, locked.case, Status.IN_TRANSIT, Status.DID_NOT_ARRIVE, reason=reason)
    audit_record(
        actor=actor, action="crossing.not_arrived", target=locked, unit=locked.case.unit_id
    )
    return locked


@refusals_audited
@transaction.atomic
def review_decide(*, actor: User, plan: CrossingPlan, decision: str) -> CrossingPlan:
    """After a missed crossing: "replan" (the unit's handler; the case goes
    back to Planning for a new plan) or "lost" (headquarters' protection
    officer decides contact is lost; the unit then closes the case)."""
    locked = _lock(plan)
    if locked.state != PlanState.NOT_ARRIVED:
        raise CrossingRefused("not_review", _("This plan is not waiting for a decision."))
    if decision == "replan" and user_may_plan(actor, locked.case.unit_id):
        locked.state = PlanState.REPLANNED
        locked.save(update_fields=["state", "updated_at"])
        _move_case(actor, locked.case, Status.PLANNING)
    elif decision == "lost" and user_is_hq_protection(actor):
        locked.state = PlanState.LOST
        locked.save(update_fields=["state", "updated_at"])
    else:
        raise _scope_refused(
            actor, locked, locked.case.unit_id, _("You may not take this decision.")
        )
    audit_record(
        actor=actor,
        action="crossing.reviewed",
        target=locked,
        unit=locked.case.unit_id,
        details={"decision": decision},
    )
    return locked


# ------------------------------------------------------------- staff channel


@refusals_audited
@transaction.atomic
def staff_channel_save(
    *, actor: User | None, unit_id: int, chat_id: str, token: str, api_url: str, is_active: bool
) -> StaffChannel:
    """Configure the unit's staff channel: its administrators (the page), or
    the operator at the server (`actor` None: `manage.py
    crossing_staff_channel`). An empty `token` keeps the current one; a new
    channel needs one."""
    if actor is not None and not user_may_configure_channel(actor, unit_id):
        raise _scope_refused(
            actor, None, unit_id, _("You may not configure this unit's staff channel.")
        )
    channel = StaffChannel.objects.select_for_update().filter(unit_id=unit_id).first()
    if channel is None:
        if not token:
            raise CrossingRefused("token_missing", _("Give the bot's token."))
        channel = StaffChannel(unit_id=unit_id)
    channel.chat_id = chat_id
    if token:
        channel.token = token
    channel.api_url = api_url
    channel.is_active = is_active
    channel.last_error = ""
    channel.save()
    audit_record(
        actor=actor,
        action="crossing.staff_channel_saved",
        target=channel,
        unit=unit_id,
        details={"active": is_active, "credential_changed": bool(token)},
    )
    return channel
