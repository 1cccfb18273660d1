"""Reintegration for the demo: a service directory, plans at several
stages, due follow-ups, and cleared cases waiting for their pathway.

All in unit b1, worked by `b1.caseworker` and supervised by `b1.handler`;
providers invented. Written through the reintegration and cases services,
except one thing: a plan's last progress is backdated so that the demo
shows a stalled plan (no service moves time backwards). Re-running adds
nothing once b1 has a plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from safepassage.accounts.models import Unit, User
from safepassage.cases import services as case_services
from safepassage.cases.models import Case
from safepassage.cases.selectors import cases_visible_to
from safepassage.cases.workflow import Status
from safepassage.reintegration import selectors, services
from safepassage.reintegration.models import FollowUp, Plan, PlanTemplate, Step
from safepassage.reintegration.workflow import PathwayKind, ReferralStatus, StepState

UNIT_NAME = "Battalion Kyee-Hnget (demo)"
HQ_NAME = "Headquarters (demo)"

PROVIDERS = [
    # (kept by headquarters?, name, kind, how to reach, languages, capacity)
    (
        True,
        "Legal aid desk Lin-Lin (demo)",
        "legal",
        "Ask the caseworker for the desk's Signal",
        "my, en",
        20,
    ),
    (
        True,
        "Counselling circle Ye-Kyi (demo)",
        "psychosocial",
        "Tuesdays; the caseworker arranges it",
        "my",
        12,
    ),
    (
        True,
        "Health post Sa-Ya (demo)",
        "health",
        "Walk-in mornings; the caseworker calls first",
        "my, shn",
        40,
    ),
    (
        False,
        "Tailoring school Ah-Lin (demo)",
        "vocational",
        "The caseworker introduces you",
        "my",
        15,
    ),
    (
        False,
        "Small grants fund Pyo-Pin (demo)",
        "livelihood",
        "Applications through the caseworker",
        "my",
        30,
    ),
]


@dataclass
class ReintegrationSeed:
    providers: int = 0
    plans: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def _assign(handler: User, case: Case, caseworker: User) -> None:
    users = [*case.assigned.all()]
    if caseworker not in users:
        case_services.case_assign(actor=handler, case=case, users=[*users, caseworker])


def _cleared_case(unit: Unit, handler: User, screener: User) -> Case:
    """A new demo case taken along the workflow to "Cleared"."""
    case = case_services.case_open(
        actor=handler, unit=unit, category="conscript", summary="Demo case for reintegration"
    )
    for target in (Status.PLANNING, Status.IN_TRANSIT, Status.RECEIVED, Status.SCREENING):
        case_services.case_transition(actor=handler, case=case, target=target)
    case_services.case_transition(
        actor=screener, case=case, target=Status.CLEARED, reason="No match found (demo)"
    )
    case.refresh_from_db()
    return case


def _open(worker: User, case: Case, template: PlanTemplate, days_ago: int) -> Plan:
    today = timezone.localdate()
    start = today - dt.timedelta(days=days_ago)
    return services.plan_open(
        actor=worker,
        case=case,
        template=template,
        starts_on=start,
        consent_given=True,
        consented_on=start,
        agreed="သဘောတူထားသော အစီအစဉ် (demo) / the plan as agreed (demo)",
        life_project="ကိုယ်ပိုင် ဆိုင်ဖွင့်ရန် (demo) / to open a small shop (demo)",
        contact_text="Signal: ask for 'Ko Thura' (demo)",
    )


def _progress(worker: User, plan: Plan, until: dt.date) -> None:
    """Mark the plan's steps due by `until`: most attended, one missed."""
    for index, step in enumerate(Step.objects.filter(plan=plan, due_on__lte=until)):
        target = StepState.MISSED if index % 5 == 4 else StepState.DONE
        services.step_move(actor=worker, step=step, target=target, on=step.due_on)


def demo_reintegration_seed() -> ReintegrationSeed | None:
    unit = Unit.objects.filter(name=UNIT_NAME).first()
    hq = Unit.objects.filter(name=HQ_NAME).first()
    worker = User.objects.filter(username="b1.caseworker").first()
    handler = User.objects.filter(username="b1.handler").first()
    hq_worker = User.objects.filter(username="hq.caseworker").first()
    if unit is None or hq is None or worker is None or handler is None or hq_worker is None:
        return None
    if Plan.objects.filter(unit=unit).exists():
        return None
    seed = ReintegrationSeed()
    known = set(selectors.providers_visible_to(worker).values_list("name", flat=True))
    for at_hq, name, kind, reach, languages, capacity in PROVIDERS:
        if name in known:
            continue
        services.provider_create(
            actor=hq_worker if at_hq else worker,
            name=name,
            kind=kind,
            how_to_reach=reach,
            languages=languages,
            capacity=capacity,
        )
        seed.providers += 1
    screener = User.objects.filter(username="b1.screening").first()
    cases = cases_visible_to(handler)
    reintegrating = list(cases.filter(status=Status.REINTEGRATING).order_by("pk")[:4])
    cleared = list(cases.filter(status=Status.CLEARED).order_by("pk")[:6])
    while screener is not None and len(reintegrating) + len(cleared) < 6:
        cleared.append(_cleared_case(unit, handler, screener))
    # Cleared cases move to "Reintegrating" through a recorded pathway when
    # the demo lacks reintegrating ones; two stay waiting for theirs.
    while len(reintegrating) < 4 and len(cleared) > 2:
        case = cleared.pop()
        _assign(handler, case, worker)
        services.pathway_record(
            actor=worker,
            case=case,
            kind=PathwayKind.REINTEGRATION,
            consent_given=True,
            consented_on=timezone.localdate() - dt.timedelta(days=200),
            agreed="Reintegration plan (demo)",
            reasons="Wants to learn a trade (demo)",
        )
        case.refresh_from_db()
        reintegrating.append(case)
    templates = {t.code: t for t in PlanTemplate.objects.filter(is_active=True)}
    stages = [
        ("conscript", 100, "progress"),
        ("career-soldier", 10, "fresh"),
        ("wounded", 200, "stalled"),
        ("family-danger", 70, "lost"),
    ]
    provider = selectors.providers_visible_to(worker).first()
    for case, (code, days_ago, stage) in zip(reintegrating, stages, strict=False):
        _assign(handler, case, worker)
        plan = _open(worker, case, templates[code], days_ago)
        seed.plans.append(f"{case.code} ({stage})")
        if stage == "progress":
            _progress(worker, plan, timezone.localdate() - dt.timedelta(days=1))
            if provider is not None:
                referral = services.referral_send(
                    actor=worker,
                    plan=plan,
                    provider=provider,
                    consent_given=True,
                    consented_on=plan.starts_on,
                    shared=["needs"],
                    shared_text="Needs a course (demo)",
                )
                services.referral_move(
                    actor=worker, referral=referral, target=ReferralStatus.ACCEPTED
                )
            first = FollowUp.objects.filter(plan=plan).order_by("months").first()
            if first is not None and first.due_on <= timezone.localdate():
                services.followup_record(
                    actor=worker,
                    followup=first,
                    held_on=first.due_on,
                    safe=True,
                    housing="temporary",
                    income="training",
                    documents="in_progress",
                    health="good",
                    who5=[3, 4, 3, 3, 4],
                    needs="Glasses (demo)",
                )
        elif stage == "stalled":
            # Backdated for the demo only (see the module's docstring).
            Plan.objects.filter(pk=plan.pk).update(
                last_progress_at=timezone.now() - dt.timedelta(days=90)
            )
        elif stage == "lost":
            services.followups_make_due()
            due = FollowUp.objects.filter(plan=plan).order_by("months").first()
            for _attempt in range(3):
                if due is not None:
                    services.followup_attempt_failed(actor=worker, followup=due)
    for case in cleared[:2]:
        _assign(handler, case, worker)
        seed.waiting.append(case.code)
    services.followups_make_due()
    return seed
