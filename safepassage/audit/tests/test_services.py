"""audit_record: appends in the caller's transaction, validated, chained."""

from __future__ import annotations

import pytest

from safepassage.audit.models import AuditEvent
from safepassage.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_system_event_is_appended_with_sequence_one() -> None:
    event = audit_record(actor=None, action="audit.tested", details={"n": 1})
    assert event.sequence == 1
    assert AuditEvent.objects.count() == 1
