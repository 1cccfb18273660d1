"""Complaints and a channel check-in for the demo.

One invented person writes on the web form in Burmese; headquarters'
intake operator hands the conversation to b1; the case is taken to
"Reintegrating" with a plan that started five weeks ago, so its first
follow-up is due and the check-in is sent to the web conversation. The
command prints the case code and the two numbers, so that a newcomer can
resume at /contact/resume/ and answer the check-in's buttons; the answers
then wait on the plan for `b1.caseworker` to confirm. Two complaints
reach headquarters (`hq.protection` reads them): one from that person
(code and numbers matched, about b1), one without them. Written through
the services; a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from safepassage.accounts.models import Unit, User
from safepassage.cases import services as case_services
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status
from safepassage.grievances.checkin import checkins_send
from safepassage.grievances.models import Grievance
from safepassage.grievances.services import grievance_submit
from safepassage.intake import web
from safepassage.intake.services import contact_hand_over
from safepassage.reintegration import services as reintegration
from safepassage.reintegration.models import PlanTemplate
from safepassage.reintegration.workflow import PathwayKind

from .reintegration import UNIT_NAME


@dataclass(frozen=True)
class GrievancesDemo:
    code: str
    receipt: str
    complaints: int
    checkins: int


def demo_grievances_seed() -> GrievancesDemo | None:
    unit = Unit.objects.filter(name=UNIT_NAME).first()
    operator = User.objects.filter(username="hq.intake").first()
    handler = User.objects.filter(username="b1.handler").first()
    screener = User.objects.filter(username="b1.screening").first()
    worker = User.objects.filter(username="b1.caseworker").first()
    if (
        unit is None
        or operator is None
        or handler is None
        or screener is None
        or worker is None
        or Grievance.objects.exists()
    ):
        return None
    opened = web.web_contact_open(
        answers={"category": "conscript"},
        message="ကျွန်တော် ရောက်ပြီးပါပြီ (demo) / I have arrived (demo)",
        language="my",
    )
    case = contact_hand_over(actor=operator, contact=opened.contact, unit=unit)
    case = Case.objects.get(pk=case.pk)
    for target in (Status.PLANNING, Status.IN_TRANSIT, Status.RECEIVED, Status.SCREENING):
        case_services.case_transition(actor=handler, case=case, target=target)
    case_services.case_transition(
        actor=screener, case=case, target=Status.CLEARED, reason="No match found (demo)"
    )
    case.refresh_from_db()
    case_services.case_assign(actor=handler, case=case, users=[worker])
    start = timezone.localdate() - dt.timedelta(days=35)
    reintegration.pathway_record(
        actor=worker,
        case=case,
        kind=PathwayKind.REINTEGRATION,
        consent_given=True,
        consented_on=start,
        agreed="Reintegration plan (demo)",
        reasons="Wants to work near the family (demo)",
    )
    case.refresh_from_db()
    reintegration.plan_open(
        actor=worker,
        case=case,
        template=PlanTemplate.objects.get(code="conscript"),
        starts_on=start,
        consent_given=True,
        consented_on=start,
        agreed="သဘောတူထားသော အစီအစဉ် (demo) / the plan as agreed (demo)",
        life_project="လယ်ယာ လုပ်ငန်း (demo) / farming (demo)",
        contact_text="Signal: ask for 'Ko Thura' (demo)",
    )
    reintegration.followups_make_due()
    checkins = checkins_send()
    complaints = 0
    for code, receipt, kind, body in (
        (
            case.code,
            opened.receipt,
            "reward_unpaid",
            "ပေးမည်ဆိုသော ဆုငွေ မရသေးပါ (demo) / the promised reward was never paid (demo)",
        ),
        (
            "",
            "",
            "threat",
            "ယူနစ်မှ တစ်ယောက်က ခြိမ်းခြောက်သည် (demo) / someone in a unit threatened me (demo)",
        ),
    ):
        grievance_submit(
            code=code, receipt=receipt, kind=kind, body=body, channel="web", source="demo"
        )
        complaints += 1
    return GrievancesDemo(
        code=case.code, receipt=opened.receipt, complaints=complaints, checkins=checkins
    )
