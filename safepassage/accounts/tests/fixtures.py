"""Pytest fixtures shared by accounts, core and the cross-app tests.

Import them into a conftest with `from safepassage.accounts.tests.fixtures
import *`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from safepassage.accounts.models import Unit

from .factories import HeadquartersFactory, UnitFactory

__all__ = ["AuditSpy", "audit_spy", "hq", "unit_a", "unit_b"]


@dataclass
class AuditSpy:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def actions(self) -> list[str]:
        return [c["action"] for c in self.calls]

    def last(self, action: str) -> dict[str, Any]:
        for call in reversed(self.calls):
            if call["action"] == action:
                return call
        raise AssertionError(f"no audit event {action}; saw {self.actions()}")


@pytest.fixture
def audit_spy(monkeypatch: pytest.MonkeyPatch) -> AuditSpy:
    """Records every audit_record call, then lets the real one run."""
    import safepassage.audit.services as audit_services

    real = audit_services.audit_record
    spy = AuditSpy()

    def spying(**kwargs: Any) -> Any:
        spy.calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(audit_services, "audit_record", spying)
    return spy


@pytest.fixture
def hq(db: None) -> Unit:
    return HeadquartersFactory()


@pytest.fixture
def unit_a(db: None) -> Unit:
    return UnitFactory(name="Unit A")


@pytest.fixture
def unit_b(db: None) -> Unit:
    return UnitFactory(name="Unit B")
