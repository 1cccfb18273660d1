"""Every write of protection data. Keyword-only, atomic, audited in the
same transaction; audit events carry ids and counts, never text.

Who may write: a protection officer of the case's unit (for a case's
assessments, measures and placements) or of the house's unit (for a
house). Headquarters' protection officers see every unit's houses but
place only their own unit's cases, in their own unit's houses: a case and
its house are always of one unit.

Locks: a placement takes a row lock on the house (`select_for_update`)
before it counts the open placements, so two officers placing at once
into the last bed cannot both succeed (on SQLite the write lock of the
transaction serialises them instead). A refused placement is audited
after its transaction has rolled back, in one of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User
from safepassage.accounts.roles import Role
from safepassage.audit.services import audit_record
from safepassage.cases import services as cases_services
from safepassage.cases.models import Case, FamilyMember
from safepassage.cases.policies import user_may_act_on_case

from .models import (
    AssessedThreat,
    MeasureKind,
    Placement,
    ProtectiveMeasure,
    RiskAssessment,
    RiskLevel,
    SafeHouse,
    ThreatKind,
)
from .workflow import MeasureState, measure_move_allowed

logger = logging.getLogger("safepassage.protection")

#: How far ahead a review may be set, in days.
REVIEW_HORIZON_DAYS = 366
TEXT_MAX = 4000


class ProtectionRefused(Exception):
    """A write refused for a reason the user is told in plain words."""

    reason = "refused"
    message: object = _("This cannot be done.")

    def __str__(self) -> str:
        return str(self.message)


class HouseFull(ProtectionRefused):
    reason = "house_full"
    message = _("This safe house is full: every place is taken. Choose another house.")


class OtherUnitsHouse(ProtectionRefused):
    reason = "other_unit"
    message = _("This safe house belongs to another unit. Place people only in your unit's houses.")


class HouseClosed(ProtectionRefused):
    reason = "house_closed"
    message = _("This safe house is no longer in use.")


class AlreadyPlaced(ProtectionRefused):
    reason = "already_placed"
    message = _("This person is already placed in a safe house. Check them out first.")


def _is_officer(actor: User) -> bool:
    return bool(actor.has_any_role({Role.PROTECTION_OFFICER}))


def _check_case(actor: User, case: Case) -> None:
    if not _is_officer(actor) or not user_may_act_on_case(actor, case):
        raise PermissionDenied("protection")


def _clean_text(value: str | None, label: str) -> str | None:
    text = (value or "").strip()
    if len(text) > TEXT_MAX:
        raise ValidationError(
            gettext("%(field)s is too long (at most %(max)d characters)."),
            params={"field": label, "max": TEXT_MAX},
        )
    return text or None


# --- risk assessments ---------------------------------------------------


@dataclass(frozen=True)
class ThreatInput:
    kind_id: int
    level: int
    factors: str = ""
    measures_taken: str = ""


def _check_review_date(review_on: dt.date, today: dt.date) -> None:
    if review_on <= today:
        raise ValidationError(_("The review date must be after today."))
    if review_on > today + dt.timedelta(days=REVIEW_HORIZON_DAYS):
        raise ValidationError(_("Review a risk assessment within a year."))


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    case: Case,
    level: int,
    review_on: dt.date,
    threats: Sequence[ThreatInput],
    summary: str = "",
    family_member: FamilyMember | None = None,
) -> RiskAssessment:
    """Record a new assessment of the case's person, or of `family_member`.

    The current assessment of the same subject, if any, is superseded
    (kept, marked not current); the new one's version follows it. Two
    officers assessing the same subject at once: the second is refused
    (the one-current constraints), never both current.
    """
    _check_case(actor, case)
    if family_member is not None and family_member.person.case_id != case.pk:
        raise PermissionDenied("protection")
    if level not in RiskLevel.values:
        raise ValidationError(_("Choose a risk level."))
    _check_review_date(review_on, timezone.localdate())
    if not threats:
        raise ValidationError(_("Assess at least one threat."))
    kinds = {k.pk: k for k in ThreatKind.objects.filter(pk__in=[t.kind_id for t in threats])}
    if len({t.kind_id for t in threats}) != len(threats):
        raise ValidationError(_("Each threat is assessed once."))
    for threat in threats:
        kind = kinds.get(threat.kind_id)
        if kind is None or not kind.active:
            raise ValidationError(
                _("A threat kind is unknown or no longer in use. Reload the form.")
            )
        if threat.level not in RiskLevel.values:
            raise ValidationError(_("Choose a level for every threat."))
    summary_text = _clean_text(summary, gettext("Summary"))
    previous = (
        RiskAssessment.objects.select_for_update()
        .filter(case=case, family_member=family_member, current=True)
        .first()
    )
    now = timezone.now()
    version = 1
    if previous is not None:
        previous.current = False
        previous.superseded_at = now
        previous.save(update_fields=["current", "superseded_at"])
        version = previous.version + 1
    try:
        with transaction.atomic():
            assessment = RiskAssessment.objects.create(
                case=case,
                family_member=family_member,
                data_key=case.data_key,
                version=version,
                level=level,
                summary=summary_text,
                review_on=review_on,
                assessed_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            _("Someone else assessed this person meanwhile. Reload the page and try again.")
        ) from None
    for threat in threats:
        AssessedThreat.objects.create(
            assessment=assessment,
            data_key=case.data_key,
            kind_id=threat.kind_id,
            level=threat.level,
            factors=_clean_text(threat.factors, gettext("Factors")),
            measures_taken=_clean_text(threat.measures_taken, gettext("Measures taken")),
        )
    audit_record(
        actor=actor,
        action="protection.assessment_recorded",
        target=case,
        unit=case.unit_id,
        details={
            "assessment": assessment.pk,
            "version": version,
            "family_member": family_member.pk if family_member else None,
            "threats": len(threats),
        },
    )
    return assessment


def review_tasks_raise(*, today: dt.date | None = None) -> int:
    """Raise a cases task, once, for every current assessment whose review
    date has passed; the task goes to the officer who assessed. Each
    assessment in its own transaction: one that fails is logged (ids only)
    and the ones after it go on. Returns how many tasks were raised."""
    day = today or timezone.localdate()
    raised = 0
    pending = list(
        RiskAssessment.objects.filter(
            current=True, review_on__lte=day, review_task_id__isnull=True
        ).values_list("pk", flat=True)
    )
    for pk in pending:
        try:
            raised += _review_task_raise(pk, day)
        except Exception as error:  # one bad record must not stop the others
            logger.error(
                "protection: review task for assessment %s failed [%s]", pk, type(error).__name__
            )
    return raised


@transaction.atomic
def _review_task_raise(pk: int, day: dt.date) -> int:
    assessment = (
        RiskAssessment.objects.select_for_update()
        .select_related("case", "assessed_by")
        .filter(pk=pk, current=True, review_task_id__isnull=True)
        .first()
    )
    if assessment is None:
        return 0
    title = (
        "Review the risk assessment of a family member (protection)"
        if assessment.family_member_id
        else "Review the risk assessment (protection)"
    )
    task = cases_services.task_raise(
        case=assessment.case,
        title=title,
        due_on=assessment.review_on,
        assignee=assessment.assessed_by,
    )
    assessment.review_task_id = task.pk
    assessment.save(update_fields=["review_task_id"])
    audit_record(
        actor=None,
        action="protection.review_task_raised",
        target=assessment.case,
        unit=assessment.case.unit_id,
        details={"assessment": assessment.pk, "task": task.pk},
    )
    return 1


# --- protective measures ------------------------------------------------


@transaction.atomic
def measure_create(
    *,
    actor: User,
    case: Case,
    kind: str,
    owner: User,
    note: str = "",
    family_member: FamilyMember | None = None,
) -> ProtectiveMeasure:
    """Plan a measure; its owner is a member of the case's unit."""
    _check_case(actor, case)
    if kind not in MeasureKind.values:
        raise ValidationError(_("Choose a kind of measure."))
    if owner.unit_id != case.unit_id or not owner.is_active:
        raise ValidationError(_("A measure's owner is a member of the case's unit."))
    if family_member is not None and family_member.person.case_id != case.pk:
        raise PermissionDenied("protection")
    measure = ProtectiveMeasure.objects.create(
        case=case,
        family_member=family_member,
        data_key=case.data_key,
        kind=kind,
        owner=owner,
        note=_clean_text(note, gettext("Note")),
    )
    audit_record(
        actor=actor,
        action="protection.measure_created",
        target=case,
        unit=case.unit_id,
        details={"measure": measure.pk, "kind": kind, "owner": owner.pk},
    )
    return measure


@transaction.atomic
def measure_move(*, actor: User, measure: ProtectiveMeasure, target: str) -> ProtectiveMeasure:
    """Move a measure along `workflow.MEASURE_MOVES`; anything else is refused."""
    locked = ProtectiveMeasure.objects.select_for_update().select_related("case").get(pk=measure.pk)
    _check_case(actor, locked.case)
    if not measure_move_allowed(locked.state, target):
        raise ValidationError(_("This change of state is not allowed."))
    source = locked.state
    locked.state = target
    locked.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action="protection.measure_moved",
        target=locked.case,
        unit=locked.case.unit_id,
        details={"measure": locked.pk, "from_state": source, "to_state": target},
    )
    return locked


# --- safe houses and placements ------------------------------------------


@transaction.atomic
def house_create(*, actor: User, label: str, location: str, capacity: int) -> SafeHouse:
    """A safe house of the actor's own unit."""
    if not _is_officer(actor) or actor.unit_id is None:
        raise PermissionDenied("protection")
    label_text = (label or "").strip()
    location_text = (location or "").strip()
    if not label_text or not location_text:
        raise ValidationError(_("A safe house needs a label and a location."))
    if not 1 <= capacity <= 500:
        raise ValidationError(_("Capacity is between 1 and 500."))
    house = SafeHouse(
        unit_id=actor.unit_id, label=label_text, location=location_text, capacity=capacity
    )
    house.save()
    audit_record(
        actor=actor,
        action="protection.house_created",
        target=house,
        unit=house.unit_id,
        details={"capacity": capacity},
    )
    return house


@transaction.atomic
def house_update(
    *, actor: User, house: SafeHouse, label: str, location: str, capacity: int, active: bool
) -> SafeHouse:
    """Change a house of the actor's unit. Capacity never below the people
    staying there now (counted under a row lock on the house)."""
    locked = SafeHouse.objects.select_for_update().get(pk=house.pk)
    if not _is_officer(actor) or locked.unit_id != actor.unit_id:
        raise PermissionDenied("protection")
    label_text = (label or "").strip()
    location_text = (location or "").strip()
    if not label_text or not location_text:
        raise ValidationError(_("A safe house needs a label and a location."))
    if not 1 <= capacity <= 500:
        raise ValidationError(_("Capacity is between 1 and 500."))
    occupied = Placement.objects.filter(house=locked, checked_out_at__isnull=True).count()
    if capacity < occupied:
        raise ValidationError(
            gettext("%(count)d people stay there now: capacity cannot be less."),
            params={"count": occupied},
        )
    changed = [
        name
        for name, value in (
            ("label", label_text),
            ("location", location_text),
            ("capacity", capacity),
            ("active", active),
        )
        if getattr(locked, name) != value
    ]
    locked.label, locked.location = label_text, location_text
    locked.capacity, locked.active = capacity, active
    locked.save()
    audit_record(
        actor=actor,
        action="protection.house_changed",
        target=locked,
        unit=locked.unit_id,
        details={"fields": changed},
    )
    return locked


def placement_create(*, actor: User, case: Case, house: SafeHouse) -> Placement:
    """Check the case's person in to `house`.

    Refused with a ProtectionRefused (a message for the user) when the
    house is another unit's, no longer in use or full, or when the person
    is already placed; the refusal is audited (`protection.placement_refused`)
    after the attempt rolled back.
    """
    try:
        return _placement_create(actor=actor, case=case, house=house)
    except ProtectionRefused as refused:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action=(
                    "protection.access_refused"
                    if isinstance(refused, OtherUnitsHouse)
                    else "protection.placement_refused"
                ),
                target=house,
                unit=house.unit_id,
                details={"case": case.pk, "reason": refused.reason},
            )
        raise


@transaction.atomic
def _placement_create(*, actor: User, case: Case, house: SafeHouse) -> Placement:
    _check_case(actor, case)
    locked = SafeHouse.objects.select_for_update().get(pk=house.pk)
    if locked.unit_id != case.unit_id:
        raise OtherUnitsHouse()
    if not locked.active:
        raise HouseClosed()
    if Placement.objects.filter(case=case, checked_out_at__isnull=True).exists():
        raise AlreadyPlaced()
    occupied = Placement.objects.filter(house=locked, checked_out_at__isnull=True).count()
    if occupied >= locked.capacity:
        raise HouseFull()
    measure = ProtectiveMeasure.objects.create(
        case=case,
        data_key=case.data_key,
        kind=MeasureKind.SAFE_HOUSE,
        state=MeasureState.IN_PROGRESS,
        owner=actor,
    )
    try:
        with transaction.atomic():
            placement = Placement.objects.create(
                house=locked,
                case=case,
                measure=measure,
                checked_in_at=timezone.now(),
                placed_by=actor,
            )
    except IntegrityError:
        raise AlreadyPlaced() from None
    audit_record(
        actor=actor,
        action="protection.placed",
        target=case,
        unit=case.unit_id,
        details={"placement": placement.pk, "house": locked.pk, "measure": measure.pk},
    )
    return placement


@transaction.atomic
def placement_check_out(*, actor: User, placement: Placement) -> Placement:
    """End a placement; its safe-house measure, if still open, is done."""
    locked = Placement.objects.select_for_update().select_related("case").get(pk=placement.pk)
    _check_case(actor, locked.case)
    if locked.checked_out_at is not None:
        raise ValidationError(_("This person has already left that house."))
    locked.checked_out_at = timezone.now()
    locked.checked_out_by = actor
    locked.save(update_fields=["checked_out_at", "checked_out_by"])
    measure = (
        ProtectiveMeasure.objects.select_for_update().filter(pk=locked.measure_id).first()
        if locked.measure_id
        else None
    )
    if measure is not None and measure_move_allowed(measure.state, MeasureState.DONE):
        measure.state = MeasureState.DONE
        measure.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action="protection.checked_out",
        target=locked.case,
        unit=locked.case.unit_id,
        details={"placement": locked.pk, "house": locked.house_id},
    )
    return locked
