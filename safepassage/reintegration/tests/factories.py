"""Reintegration test data, made through the real services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UserFactory
from safepassage.audit.models import AuditEvent
from safepassage.cases import services as case_services
from safepassage.cases.models import Case
from safepassage.cases.tests.factories import case_create
from safepassage.cases.workflow import Status
from safepassage.reintegration import services
from safepassage.reintegration.models import Plan, PlanTemplate, Provider
from safepassage.reintegration.workflow import PathwayKind


def last_audit(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("sequence")


def cleared_case(unit, **kwargs) -> Case:
    """A case screening cleared (the status set directly: the screening
    path has its own tests)."""
    case = case_create(unit=unit, **kwargs)
    Case.objects.filter(pk=case.pk).update(status=Status.CLEARED)
    case.refresh_from_db()
    return case


def supervisor_in(unit):
    return UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])


def caseworker_in(unit):
    return UserFactory(unit=unit, roles=[Role.CASEWORKER])


def assign(case: Case, *users) -> None:
    handler = supervisor_in(case.unit)
    case_services.case_assign(actor=handler, case=case, users=list(users))


def reintegrating_case(unit, caseworker) -> Case:
    case = cleared_case(unit)
    assign(case, caseworker)
    services.pathway_record(
        actor=caseworker,
        case=case,
        kind=PathwayKind.REINTEGRATION,
        consent_given=True,
        consented_on=timezone.localdate(),
        agreed="Agreed to a plan",
        reasons="Wants to study",
    )
    case.refresh_from_db()
    return case


def template(code: str = "conscript") -> PlanTemplate:
    return PlanTemplate.objects.get(code=code)


def plan_open(unit, caseworker=None, *, starts_on: dt.date | None = None, code="conscript") -> Plan:
    caseworker = caseworker or caseworker_in(unit)
    case = reintegrating_case(unit, caseworker)
    today = timezone.localdate()
    return services.plan_open(
        actor=caseworker,
        case=case,
        template=template(code) if code else None,
        starts_on=starts_on or today,
        consent_given=True,
        consented_on=today,
        agreed="Plan as discussed",
        life_project="Open a repair shop",
        contact_text="Signal 09 000 000",
    )


def provider(unit, actor=None, kind="vocational", name="Tailoring school") -> Provider:
    actor = actor or caseworker_in(unit)
    return services.provider_create(
        actor=actor, name=name, kind=kind, how_to_reach="Ask at the market gate"
    )
