"""A complaint's world, made through the real services: headquarters with
its complaint roles, a unit with a handler and a caseworker, and a case
opened from an advance-contact conversation (the web form by default, or
a bot chat) that follows a reintegration plan with a follow-up due."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status
from safepassage.intake import web
from safepassage.intake.conversation import code_and_receipt_issue
from safepassage.intake.models import Channel, Contact
from safepassage.intake.processing import contact_for
from safepassage.intake.services import contact_hand_over
from safepassage.reintegration import services as reintegration
from safepassage.reintegration.models import FollowUp, Plan
from safepassage.reintegration.tests.factories import assign, template
from safepassage.reintegration.workflow import FollowUpState, PathwayKind


@dataclass
class World:
    hq: object
    unit: object
    hq_protection: object
    hq_handler: object
    hq_admin: object
    handler: object
    caseworker: object
    contact: Contact
    receipt: str
    case: Case


def world(*, channel: Channel | None = None, address: str = "60601", language="en") -> World:
    hq = HeadquartersFactory()
    unit = UnitFactory()
    operator = UserFactory(unit=hq, roles=[Role.INTAKE_OPERATOR])
    if channel is None:
        opened = web.web_contact_open(
            answers={"category": "conscript"}, message="invented", language=language
        )
        contact, receipt = opened.contact, opened.receipt
    else:
        contact, _new = contact_for(channel, address, language)
        contact.language = language
        receipt = code_and_receipt_issue(contact)
        contact.step = "open"
        contact.save()
    case = contact_hand_over(actor=operator, contact=contact, unit=unit)
    contact = Contact.objects.select_related("channel").get(pk=contact.pk)
    return World(
        hq=hq,
        unit=unit,
        hq_protection=UserFactory(unit=hq, roles=[Role.PROTECTION_OFFICER]),
        hq_handler=UserFactory(unit=hq, roles=[Role.UNIT_HANDLER]),
        hq_admin=UserFactory(unit=hq, roles=[Role.ADMINISTRATOR]),
        handler=UserFactory(unit=unit, roles=[Role.UNIT_HANDLER]),
        caseworker=UserFactory(unit=unit, roles=[Role.CASEWORKER]),
        contact=contact,
        receipt=receipt,
        case=case,
    )


def plan_with_followup_due(w: World) -> tuple[Plan, FollowUp]:
    """A plan opened for the world's case, its first follow-up made due."""
    Case.objects.filter(pk=w.case.pk).update(status=Status.CLEARED)
    w.case.refresh_from_db()
    assign(w.case, w.caseworker)
    today = timezone.localdate()
    reintegration.pathway_record(
        actor=w.caseworker,
        case=w.case,
        kind=PathwayKind.REINTEGRATION,
        consent_given=True,
        consented_on=today,
        agreed="Agreed to a plan",
        reasons="Wants to study",
    )
    w.case.refresh_from_db()
    plan = reintegration.plan_open(
        actor=w.caseworker,
        case=w.case,
        template=template("conscript"),
        starts_on=today,
        consent_given=True,
        consented_on=today,
        agreed="Plan as discussed",
        life_project="Open a repair shop",
        contact_text="Signal 09 000 000",
    )
    followup = FollowUp.objects.filter(plan=plan).order_by("due_on").first()
    FollowUp.objects.filter(pk=followup.pk).update(state=FollowUpState.DUE)
    followup.refresh_from_db()
    return plan, followup
