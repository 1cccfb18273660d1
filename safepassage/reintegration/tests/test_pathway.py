"""services.pathway_record: consent, a cleared case, the workflow and the
hand-over to an allied force's unit through the cases app's transfer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safepassage.accounts.tests.factories import UnitFactory
from safepassage.cases.models import Case, CaseTransfer
from safepassage.cases.tests.factories import case_create
from safepassage.cases.workflow import Status
from safepassage.reintegration import services
from safepassage.reintegration.models import Pathway
from safepassage.reintegration.workflow import PathwayKind

from .factories import assign, caseworker_in, cleared_case, last_audit

pytestmark = pytest.mark.django_db


def _record(actor, case, kind=PathwayKind.REINTEGRATION, **kw):
    args = {
        "actor": actor,
        "case": case,
        "kind": kind,
        "consent_given": True,
        "consented_on": timezone.localdate(),
        "agreed": "agreed",
        "reasons": "reasons",
    }
    args.update(kw)
    return services.pathway_record(**args)


def test_reintegration_moves_the_case_to_reintegrating(unit_a, worker):
    case = cleared_case(unit_a)
    assign(case, worker)
    pathway = _record(worker, case)
    case.refresh_from_db()
    assert case.status == Status.REINTEGRATING
    assert pathway.kind == PathwayKind.REINTEGRATION
    assert last_audit("reintegration.pathway_recorded").details["kind"] == "reintegration"


def test_allied_force_hands_the_case_to_the_force_unit_with_a_transfer(unit_a, worker):
    force = UnitFactory(name="Allied battalion")
    case = cleared_case(unit_a)
    assign(case, worker)
    pathway = _record(worker, case, PathwayKind.ALLIED_FORCE, to_unit=force)
    case.refresh_from_db()
    assert case.status == Status.JOINED_FORCE
    transfer = CaseTransfer.objects.get(case=case)
    assert transfer.to_unit == force
    assert pathway.transfer == transfer


def test_allied_force_needs_another_active_unit(unit_a, worker, hq):
    case = cleared_case(unit_a)
    assign(case, worker)
    for to_unit in (None, unit_a, hq):
        with pytest.raises(ValidationError):
            _record(worker, case, PathwayKind.ALLIED_FORCE, to_unit=to_unit)
    assert not Pathway.objects.exists()
    assert Case.objects.get(pk=case.pk).status == Status.CLEARED


def test_other_pathways_leave_the_status(unit_a, worker):
    case = cleared_case(unit_a)
    assign(case, worker)
    _record(worker, case, PathwayKind.ABROAD)
    case.refresh_from_db()
    assert case.status == Status.CLEARED


def test_without_consent_nothing_is_recorded(unit_a, worker):
    case = cleared_case(unit_a)
    assign(case, worker)
    with pytest.raises(ValidationError):
        _record(worker, case, consent_given=False)
    with pytest.raises(ValidationError):
        _record(worker, case, consented_on=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        _record(worker, case, reasons="   ")
    assert not Pathway.objects.exists()
    assert Case.objects.get(pk=case.pk).status == Status.CLEARED


def test_a_case_not_cleared_is_refused(unit_a, worker):
    case = case_create(unit=unit_a)
    assign(case, worker)
    with pytest.raises(ValidationError):
        _record(worker, case)
    assert not Pathway.objects.exists()


def test_unknown_kind_is_refused(unit_a, worker):
    case = cleared_case(unit_a)
    assign(case, worker)
    with pytest.raises(ValidationError):
        _record(worker, case, kind="<script>")


def test_a_caseworker_not_assigned_is_refused(unit_a, worker):
    case = cleared_case(unit_a)
    with pytest.raises(PermissionDenied):
        _record(worker, case)


def test_another_units_staff_are_refused(unit_a, unit_b):
    case = cleared_case(unit_a)
    stranger = caseworker_in(unit_b)
    with pytest.raises(PermissionDenied):
        _record(stranger, case)


def test_reasons_are_encrypted(unit_a, worker):
    from django.db import connection

    case = cleared_case(unit_a)
    assign(case, worker)
    pathway = _record(worker, case, reasons="Fears his brother in Sagaing")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reasons FROM reintegration_pathway WHERE id = %s", [pathway.pk])
        raw = bytes(cursor.fetchone()[0])
    assert b"Sagaing" not in raw
    assert Pathway.objects.get(pk=pathway.pk).reasons == "Fears his brother in Sagaing"
