"""Two approvers at once give one approval (PostgreSQL: real row locks)."""

from __future__ import annotations

import importlib
import threading

import pytest
from django.apps import apps as django_apps
from django.db import connection, connections

from safepassage.armoury.models import Claim
from safepassage.armoury.services import ClaimRefused, claim_approve, claim_propose
from safepassage.armoury.tests.factories import record, schedule, staff
from safepassage.audit.models import AuditEvent


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks across threads")
@pytest.mark.django_db(transaction=True)
def test_two_approvers_clicking_at_once_give_one_approval(world):
    # A transactional test: an earlier one may have flushed the catalogue
    # that migration 0002 loads; load it again (it adds only what is missing).
    importlib.import_module("safepassage.armoury.migrations.0002_catalogue").seed(django_apps, None)
    schedule(actor=world.hq_approver)
    record(world.case, world.handler, world.witness)
    claim = claim_propose(actor=world.officer, case=world.case)
    second = staff(world.unit, "reward_approver")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor) -> None:
        try:
            barrier.wait()
            claim_approve(actor=actor, claim=Claim.objects.get(pk=claim.pk))
            outcomes.append("approved")
        except ClaimRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(a,)) for a in (world.approver, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "refused"]
    assert AuditEvent.objects.filter(action="armoury.claim_approved").count() == 1
