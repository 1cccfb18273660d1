"""A crossing's cast: a unit with a handler, headquarters with a protection
officer and an intake operator, and a case opened from an advance-contact
conversation (web form by default, or a Telegram chat) moved to Planning."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
from safepassage.cases.models import Case
from safepassage.cases.services import case_transition
from safepassage.crossing import services
from safepassage.crossing.models import CrossingPlan
from safepassage.intake import web
from safepassage.intake.models import Channel, Contact
from safepassage.intake.processing import contact_for
from safepassage.intake.services import contact_hand_over


@dataclass
class Cast:
    unit: object
    handler: object
    other_handler: object
    protection: object
    operator: object
    contact: Contact
    case: Case


def cast(*, channel: Channel | None = None, language: str = "en") -> Cast:
    hq = HeadquartersFactory()
    unit = UnitFactory()
    operator = UserFactory(unit=hq, roles=[Role.INTAKE_OPERATOR])
    if channel is None:
        contact = web.web_contact_open(
            answers={"category": "conscript"}, message="invented", language=language
        ).contact
    else:
        contact, _new = contact_for(channel, "60601", language)
        contact.language = language
        contact.code = "SP-TEST-0001"
        contact.step = "open"
        contact.save()
    case = contact_hand_over(actor=operator, contact=contact, unit=unit)
    # The hand-over moved the conversation's key under the unit: read it again.
    contact = Contact.objects.select_related("channel").get(pk=contact.pk)
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    case_transition(actor=handler, case=case, target="planning")
    return Cast(
        unit=unit,
        handler=handler,
        other_handler=UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER]),
        protection=UserFactory(unit=hq, roles=[Role.PROTECTION_OFFICER]),
        operator=operator,
        contact=contact,
        case=case,
    )


def window(start_in: dt.timedelta = dt.timedelta(hours=2), length=dt.timedelta(hours=2)):
    start = timezone.now() + start_in
    return start, start + length


def plan_make(c: Cast, **overrides) -> CrossingPlan:
    start, end = window()
    fields = {
        "meeting_point": "Invented point: the third tea shop past the bridge",
        "place_shared": "the tea shop we spoke of",
        "window_start": start,
        "window_end": end,
        "bring": "your NRC if you have it",
        "leave_behind": "your phone",
        "items_declared": "one rifle, two magazines (invented)",
        "team": [c.handler],
    }
    fields.update(overrides)
    return services.plan_create(actor=c.handler, case=c.case, **fields)


def plan_sent(c: Cast) -> CrossingPlan:
    plan = plan_make(c)
    services.plan_words_draw(actor=c.handler, plan=plan)
    plan.refresh_from_db()
    return services.plan_send(actor=c.handler, plan=plan)
