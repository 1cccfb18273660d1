"""Marking cases dirty when the records the reports count change.

Connected in `ReportsConfig.ready`, to the model signals of the owning
apps' models by their labels, so that those apps need not know the
reports exist (reports sit in the top layer; nothing imports them). The
mark is one upsert in the writer's own transaction: it commits or rolls
back with the change. `QuerySet.update()` and `bulk_create` send no
signal: a service that changes counted columns that way must call
`services.reporting_mark_dirty`, and the nightly rebuild
(`manage.py reports_refresh --rebuild`) catches anything missed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_save

from .services import reporting_mark_dirty, reporting_mark_unit_dirty

# Model label -> how to reach the case id from an instance.
WATCHED: dict[str, tuple[str, ...]] = {
    "cases.Case": ("pk",),
    "cases.Person": ("case_id",),
    "cases.ServiceRecord": ("case_id",),
    "cases.CaseEvent": ("case_id",),
    "armoury.Item": ("case_id",),
    "ledger.Payment": ("case_id",),
    "reintegration.Plan": ("case_id",),
    "reintegration.Step": ("plan", "case_id"),
    "reintegration.FollowUp": ("plan", "case_id"),
}


def _case_id(instance: Any, path: tuple[str, ...]) -> int | None:
    value = instance
    try:
        for hop in path:
            value = getattr(value, hop, None)
            if value is None:
                return None
    except ObjectDoesNotExist:  # its parent deleted in the same cascade
        return None
    return int(value)


def _receiver(path: tuple[str, ...]) -> Any:
    def mark(sender: Any, instance: Any, **kwargs: Any) -> None:
        if kwargs.get("raw"):  # fixtures loading
            return
        case_id = _case_id(instance, path)
        if case_id is not None:
            reporting_mark_dirty(case_id)

    return mark


_RECEIVERS: list[Any] = []


def _unit_moved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A unit's base township is where its people count as received."""
    if kwargs.get("raw"):
        return
    unit_id = getattr(instance, "unit_id", None)
    if unit_id is not None:
        reporting_mark_unit_dirty(int(unit_id))


def connect() -> None:
    for label, path in WATCHED.items():
        receiver = _receiver(path)
        _RECEIVERS.append(receiver)  # signals keep weak references
        uid = f"reports-mark-{label}"
        post_save.connect(receiver, sender=label, dispatch_uid=uid + "-save")
        post_delete.connect(receiver, sender=label, dispatch_uid=uid + "-delete")
    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(
            _unit_moved, sender="forces.UnitProfile", dispatch_uid=f"reports-unit-{name}"
        )
