"""What the person left: category, stage, rank and unit, validated
again here so that no caller stores what reports cannot count."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.models import User

from ..army_units import rank_for_text, unit_left_value
from ..models import Case, Category, ServiceRecord, Stage
from ..policies import PERSON_EDITORS
from .write import _case_write

SERVICE_RECORD_FIELDS = ("category", "stage", "rank", "unit_left", "unit_left_text")


@transaction.atomic
def service_record_save(
    *,
    actor: User,
    case: Case,
    category: str,
    stage: str,
    rank: str,
    unit_left: dict[str, Any] | None,
    unit_left_text: str,
    expected_version: int | None = None,
) -> ServiceRecord:
    """Create or update what the person left (ServiceRecordForm's values).

    ``unit_left`` is validated again (``army_units.unit_left_value``) and
    ``rank`` must be a known rank's Burmese term or "", so that a caller
    other than the form cannot store what reports cannot count. The audit
    event names the fields that changed, never their values.
    """
    if category and category not in Category.values:
        raise ValidationError(_("Unknown category."))
    if stage and stage not in Stage.values:
        raise ValidationError(_("Unknown stage."))
    if rank and rank_for_text(rank) is None:
        raise ValidationError(_("Choose a rank from the list."))
    values: dict[str, Any] = {
        "category": category,
        "stage": stage,
        "rank": rank or None,
        "unit_left": _unit_left_checked(unit_left),
        "unit_left_text": unit_left_text or None,
    }
    with _case_write(
        case,
        actor=actor,
        action="cases.service_record_saved",
        roles=PERSON_EDITORS,
        expected_version=expected_version,
    ) as write:
        locked = write.case
        record = ServiceRecord.objects.filter(case=locked).first() or ServiceRecord(
            case=locked, data_key=locked.data_key
        )
        changed = sorted(
            name
            for name in SERVICE_RECORD_FIELDS
            if record.pk is None or (getattr(record, name) or None) != (values[name] or None)
        )
        for name, value in values.items():
            setattr(record, name, value)
        record.save()
        write.details = {"fields": changed}
    return record


def _unit_left_checked(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError(_("The unit left is not in the expected form."))
    batch = value.get("batch")
    if batch is not None and not isinstance(batch, dict):
        raise ValidationError(_("The unit left is not in the expected form."))
    batch = batch or {}
    checked = unit_left_value(
        unit_type=value.get("type"),
        unit_number=value.get("number"),
        batch_number=batch.get("number"),
        batch_year=batch.get("year"),
    )
    if checked != value:
        raise ValidationError(_("The unit left is not in the expected form."))
    return checked
