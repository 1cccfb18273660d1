"""Protective measures as a table: which state may follow which.

Only `services.measure_move` assigns `ProtectiveMeasure.state`, and only
along a row of MEASURE_MOVES. `done` and `cancelled` are final.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeasureState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


MEASURE_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (MeasureState.PLANNED, MeasureState.IN_PROGRESS),
        (MeasureState.PLANNED, MeasureState.DONE),
        (MeasureState.PLANNED, MeasureState.CANCELLED),
        (MeasureState.IN_PROGRESS, MeasureState.DONE),
        (MeasureState.IN_PROGRESS, MeasureState.CANCELLED),
    }
)

MEASURE_FINAL: frozenset[str] = frozenset({MeasureState.DONE, MeasureState.CANCELLED})


def measure_move_allowed(source: str, target: str) -> bool:
    return (source, target) in MEASURE_MOVES


def measure_moves_from(source: str) -> list[MeasureState]:
    return [MeasureState(t) for s, t in sorted(MEASURE_MOVES) if s == source]
