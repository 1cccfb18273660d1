"""Headquarters keeps the catalogue: dimensions, plan templates (their
goals and steps) and stipend rules. Every unit's NEW plans read it; a
plan copies what it takes when it opens (titles, due dates, the stipend
threshold), so a change here never moves an agreed plan.

Nothing here is about a person: no field is encrypted, and the audit
names the record's code and what changed, never free text. Each write
checks the actor's authority again (`user_keeps_catalogue`), validates
the whole record (`full_clean`: lengths, choices, uniqueness, the one
default stipend rule) and is all-or-nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record

from ..models import Dimension, PlanTemplate, StipendRule, TemplateGoal, TemplateStep
from ..policies import user_keeps_catalogue

_M = TypeVar("_M", bound=models.Model)

#: A template step falls due at most this many days after a plan starts.
MAX_OFFSET_DAYS = 3650

#: Text fields of the catalogue: stripped, NUL refused, length by the model.
_TEXT_FIELDS = frozenset(
    {
        "code",
        "name_en",
        "name_my",
        "description_en",
        "description_my",
        "title_en",
        "title_my",
        "kind",
    }
)


def _require_keeper(actor: User) -> None:
    if not user_keeps_catalogue(actor):
        raise PermissionDenied


def _clean_value(name: str, value: Any) -> Any:
    if name in _TEXT_FIELDS:
        text = "" if value is None else str(value)
        if "\x00" in text:
            raise ValidationError({name: _("This text holds a character that cannot be stored.")})
        return text.strip()
    return value


def _write(actor: User, record: _M, what: str, changes: dict[str, Any]) -> _M:
    """Set `changes` on `record`, validate it whole, save and audit."""
    _require_keeper(actor)
    created = record.pk is None
    changed = []
    for name, value in changes.items():
        value = _clean_value(name, value)
        if created or getattr(record, name) != value:
            changed.append(name)
        setattr(record, name, value)
    record.full_clean()
    if not created and not changed:
        return record
    record.save()
    audit_record(
        actor=actor,
        action="reintegration.catalogue_changed",
        target=record,
        unit=actor.unit_id,
        details={
            "what": what,
            "change": "created" if created else "changed",
            "entry": getattr(record, "code", "") or "",
            "fields": sorted(changed),
        },
    )
    return record


@transaction.atomic
def dimension_save(*, actor: User, dimension: Dimension | None = None, **changes: Any) -> Dimension:
    """Create a dimension (`dimension` None) or change one: code, name_en,
    name_my, order, is_active. A dimension in use is retired, never removed."""
    return _write(actor, dimension or Dimension(), "dimension", changes)


@transaction.atomic
def template_save(
    *, actor: User, template: PlanTemplate | None = None, **changes: Any
) -> PlanTemplate:
    """Create or change a plan template: code, names, descriptions, is_active.
    A template is retired (is_active off), never removed: plans name it."""
    return _write(actor, template or PlanTemplate(), "template", changes)


@transaction.atomic
def template_goal_save(
    *,
    actor: User,
    template: PlanTemplate,
    goal: TemplateGoal | None = None,
    **changes: Any,
) -> TemplateGoal:
    """Create or change a goal of `template`: dimension, title_en, title_my, order."""
    if goal is not None and goal.template_id != template.pk:
        raise ValidationError(_("This goal belongs to another template."))
    dimension = changes.get("dimension")
    if dimension is not None and not dimension.is_active:
        raise ValidationError({"dimension": _("This dimension is retired.")})
    record = goal or TemplateGoal(template=template)
    return _write(actor, record, "template_goal", changes)


@transaction.atomic
def template_step_save(
    *,
    actor: User,
    goal: TemplateGoal,
    step: TemplateStep | None = None,
    **changes: Any,
) -> TemplateStep:
    """Create or change a step of `goal`: kind, title_en, title_my,
    offset_days (due that many days after a plan starts), order."""
    if step is not None and step.goal_id != goal.pk:
        raise ValidationError(_("This step belongs to another goal."))
    offset = changes.get("offset_days")
    if offset is not None and not 0 <= offset <= MAX_OFFSET_DAYS:
        raise ValidationError(
            {"offset_days": _("A step falls due within ten years of the start (0 to 3650 days).")}
        )
    record = step or TemplateStep(goal=goal)
    return _write(actor, record, "template_step", changes)


@transaction.atomic
def template_part_remove(*, actor: User, part: TemplateGoal | TemplateStep) -> None:
    """Remove a goal (with its steps) or a step from a template. Plans
    opened from the template keep their copies."""
    _require_keeper(actor)
    what = "template_goal" if isinstance(part, TemplateGoal) else "template_step"
    template = part.template if isinstance(part, TemplateGoal) else part.goal.template
    audit_record(
        actor=actor,
        action="reintegration.catalogue_changed",
        target=part,
        unit=actor.unit_id,
        details={"what": what, "change": "removed", "entry": template.code, "fields": []},
    )
    part.delete()


@transaction.atomic
def stipend_rule_save(
    *, actor: User, rule: StipendRule | None = None, **changes: Any
) -> StipendRule:
    """Create or change a stipend rule: code, names, min_attendance_percent
    (0..100), is_default, is_active. Making a rule the default takes the
    mark from the one before, in the same transaction; the default must be
    active. Plans already open keep the threshold they copied."""
    _require_keeper(actor)
    record = rule or StipendRule()
    default = changes.get("is_default", record.is_default)
    if default and not changes.get("is_active", record.is_active):
        raise ValidationError(_("The default rule must be active."))
    if record.is_default and not default:
        raise ValidationError(_("Make another rule the default instead."))
    if default and not record.is_default:
        others = StipendRule.objects.select_for_update().filter(is_default=True)
        if record.pk is not None:
            others = others.exclude(pk=record.pk)
        for other in others:
            _write(actor, other, "stipend_rule", {"is_default": False})
    return _write(actor, record, "stipend_rule", changes)
