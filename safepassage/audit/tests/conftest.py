"""Fixtures for the audit tests: a unit, a user, and a ready-made chain."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from safepassage.accounts.models import Unit, UnitKind
from safepassage.audit.models import AuditEvent
from safepassage.audit.services import audit_record

_counter = itertools.count(1)


@pytest.fixture
def unit(db: None) -> Unit:
    return Unit.objects.create(name=f"Battalion {next(_counter)}", kind=UnitKind.PDF_BATTALION)


@pytest.fixture
def user(unit: Unit) -> Any:
    return get_user_model().objects.create_user(
        username=f"handler{next(_counter)}", password="a long enough password", unit=unit
    )


def build_chain(count: int, *, actor: Any = None, unit: Unit | None = None) -> list[AuditEvent]:
    """`count` varied events appended through the real service."""
    actions = ["cases.opened", "cases.viewed", "armoury.item_registered", "accounts.login_failed"]
    events = []
    for i in range(count):
        events.append(
            audit_record(
                actor=actor if i % 3 else None,
                action=actions[i % len(actions)],
                target=unit if (unit is not None and i % 2) else None,
                unit=unit if i % 4 else None,
                details={"n": i, "step": f"s{i % 5}", "flag": bool(i % 2), "ids": [i, i + 1]},
            )
        )
    return events
