"""Reintegration pages at scale: "due this week", "stalled" and a plan page.

    .venv/bin/python bench/reintegration/run.py --cases 200000 [--samples 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python ...

Builds a throw-away test database: `--cases` cases, each with an active
plan, 5 steps (activities and milestones) and 4 follow-ups a case, spread
over one caseworker per 1,000 plans and one unit per 5,000 (the volume is
written in bulk with no personal text; encrypted fields stay NULL). Then
20 plans opened through the real service from a template (encrypted
goals and steps) are the plan pages measured.

Each page is timed server-side through Django's test client (the whole
middleware stack, second factor, permissions, the audited read) and, in
the same run, beside a naive way of getting the same answer:
- due this week: the steps reached through the plans the caseworker owns
  (a join on plan.owner) instead of the copied owner's index;
- stalled: each plan's last progress computed from its steps' dates
  instead of the maintained `last_progress_at`;
- plan page: steps loaded goal by goal, each row unwrapping its key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench._django import create_test_database, destroy_test_database, setup_django  # noqa: E402

BATCH = 5000


def pct(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": pick(0.5), "p95": pick(0.95), "mean": statistics.fmean(ordered)}


def timed(fn, samples: int) -> dict[str, float]:
    for _ in range(3):
        fn()
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return pct(out)


def build(n_cases: int) -> dict[str, object]:
    from django.db import transaction
    from django.utils import timezone

    from safepassage.accounts.models import Unit, UnitKind, User
    from safepassage.accounts.roles import Role
    from safepassage.accounts.tests.factories import UserFactory
    from safepassage.cases.models import Case
    from safepassage.reintegration.models import Dimension, FollowUp, Goal, Plan, Step
    from safepassage.vault import keys

    rng = random.Random(7)
    today = timezone.localdate()
    now = timezone.now()
    key = keys.data_key_create(scope=keys.SYSTEM_SCOPE, owner="bench")
    n_units = max(1, n_cases // 5000)
    units = [
        Unit.objects.create(name=f"Bench unit {i}", kind=UnitKind.PDF_BATTALION)
        for i in range(n_units)
    ]
    per_worker = 1000
    workers: dict[int, list[User]] = {u.pk: [] for u in units}
    for i in range(max(1, n_cases // per_worker)):
        unit = units[i % n_units]
        workers[unit.pk].append(UserFactory(unit=unit, roles=[Role.CASEWORKER]))
    dims = list(Dimension.objects.all())
    started = time.perf_counter()
    for offset in range(0, n_cases, BATCH):
        size = min(BATCH, n_cases - offset)
        with transaction.atomic():
            cases = Case.objects.bulk_create(
                [
                    Case(
                        code=f"BN-{offset + i:09d}",
                        unit=units[(offset + i) % n_units],
                        status="reintegrating",
                        data_key=key,
                        vault_id=uuid.uuid4(),
                    )
                    for i in range(size)
                ]
            )
            plans = []
            for case in cases:
                start = today - dt.timedelta(days=rng.randrange(0, 400))
                plans.append(
                    Plan(
                        case=case,
                        unit_id=case.unit_id,
                        owner=rng.choice(workers[case.unit_id]),
                        starts_on=start,
                        consent_given=True,
                        consented_on=start,
                        consent_recorded_by_id=workers[case.unit_id][0].pk,
                        last_progress_at=now - dt.timedelta(days=rng.randrange(0, 120)),
                        stipend_min_attendance=90,
                        data_key=key,
                        vault_id=uuid.uuid4(),
                    )
                )
            plans = Plan.objects.bulk_create(plans)
            goals = Goal.objects.bulk_create(
                [
                    Goal(plan=p, dimension=rng.choice(dims), data_key=key, vault_id=uuid.uuid4())
                    for p in plans
                ]
            )
            steps, followups = [], []
            for plan, goal in zip(plans, goals, strict=True):
                for k in range(5):
                    due = plan.starts_on + dt.timedelta(days=rng.randrange(0, 365))
                    state = "done" if due < today and rng.random() < 0.7 else "planned"
                    steps.append(
                        Step(
                            plan=plan,
                            goal=goal,
                            owner_id=plan.owner_id,
                            kind="activity" if k % 2 else "milestone",
                            due_on=due,
                            state=state,
                            done_on=due if state == "done" else None,
                            data_key=key,
                            vault_id=uuid.uuid4(),
                        )
                    )
                for months in (1, 3, 6, 12):
                    due = plan.starts_on + dt.timedelta(days=30 * months)
                    followups.append(
                        FollowUp(
                            plan=plan,
                            owner_id=plan.owner_id,
                            unit_id=plan.unit_id,
                            months=months,
                            due_on=due,
                            state="due" if due <= today else "scheduled",
                            data_key=key,
                            vault_id=uuid.uuid4(),
                        )
                    )
            Step.objects.bulk_create(steps)
            FollowUp.objects.bulk_create(followups)
        if (offset // BATCH) % 20 == 0:
            print(f"  {offset + size:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
    build_s = time.perf_counter() - started
    return {"units": units, "workers": workers, "build_s": build_s}


def measured_plans(unit, worker, count: int) -> list[int]:
    """Plans opened through the real service: encrypted goals and steps."""
    from django.utils import timezone

    from safepassage.cases import services as case_services
    from safepassage.reintegration import services
    from safepassage.reintegration.models import PlanTemplate
    from safepassage.reintegration.tests.factories import cleared_case, supervisor_in

    handler = supervisor_in(unit)
    template = PlanTemplate.objects.get(code="family-danger")
    ids = []
    for _ in range(count):
        case = cleared_case(unit)
        case_services.case_assign(actor=handler, case=case, users=[worker])
        services.pathway_record(
            actor=worker,
            case=case,
            kind="reintegration",
            consent_given=True,
            consented_on=timezone.localdate(),
            agreed="agreed",
            reasons="reasons",
        )
        case.refresh_from_db()
        plan = services.plan_open(
            actor=worker,
            case=case,
            template=template,
            starts_on=timezone.localdate() - dt.timedelta(days=60),
            consent_given=True,
            consented_on=timezone.localdate(),
            agreed="The plan as agreed, in some words",
            life_project="A shop",
            contact_text="Signal",
        )
        ids.append(plan.pk)
    return ids


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Max, Q
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from safepassage.accounts.tests.factories import sign_in
    from safepassage.reintegration import selectors
    from safepassage.reintegration.models import FollowUp, Goal, Plan, Step
    from safepassage.reintegration.tests.factories import supervisor_in
    from safepassage.vault import keyring

    name = create_test_database()
    path = Path(settings.VAULT_KEYRING_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    keyring.keyring_create("benchmark passphrase", path=path)
    keyring.unlock("benchmark passphrase", path=path)
    try:
        print(f"building {args.cases:,} cases on {connection.vendor} ...", flush=True)
        world = build(args.cases)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        unit = world["units"][0]
        worker = world["workers"][unit.pk][0]
        plan_ids = measured_plans(unit, worker, 20)
        supervisor = supervisor_in(unit)
        counts = {
            "cases": args.cases,
            "steps": Step.objects.count(),
            "followups": FollowUp.objects.count(),
        }
        print(f"built in {world['build_s']:.0f} s: {counts}", flush=True)
        today = timezone.localdate()
        worker_client, supervisor_client = Client(), Client()
        sign_in(worker_client, worker)
        sign_in(supervisor_client, supervisor)
        home_url = reverse("reintegration:home")
        supervision_url = reverse("reintegration:supervision")

        def page(client, url):
            def go():
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            return go

        cycle = iter(range(10**9))

        def plan_page():
            pk = plan_ids[next(cycle) % len(plan_ids)]
            response = worker_client.get(reverse("reintegration:plan", kwargs={"pk": pk}))
            assert response.status_code == 200

        def due_product():
            list(selectors.steps_due_this_week(user=worker, today=today)[:50])

        def due_naive():
            list(
                Step.objects.filter(
                    plan__owner=worker,
                    plan__state="active",
                    state="planned",
                    due_on__gte=today,
                    due_on__lte=today + dt.timedelta(days=7),
                )
                .order_by("due_on")
                .select_related("plan__case")[:50]
            )

        def stalled_product():
            list(selectors.plans_stalled(user=supervisor)[:50])

        def stalled_naive():
            threshold = timezone.localdate() - dt.timedelta(days=30)
            list(
                Plan.objects.filter(unit=unit, state="active")
                .annotate(last=Max("steps__done_on"))
                .filter(Q(last__lt=threshold) | Q(last__isnull=True))
                .order_by("last")[:50]
            )

        def plan_naive():
            pk = plan_ids[next(cycle) % len(plan_ids)]
            plan = Plan.objects.get(pk=pk)
            for goal in Goal.objects.filter(plan=plan):
                _ = goal.title_en
                for step in goal.steps.all():
                    _ = (step.title_en, step.title_my)

        def plan_product_selector():
            pk = plan_ids[next(cycle) % len(plan_ids)]
            page_data = selectors.plan_page(plan=Plan.objects.get(pk=pk))
            for d in page_data.dimensions:
                for view in d.goals:
                    _ = view.goal.title_en
                    for step in view.steps:
                        _ = (step.title_en, step.title_my)

        rows = [
            ("due this week: page (home)", page(worker_client, home_url)),
            ("due this week: query, product", due_product),
            ("due this week: query, naive (join on plan owner)", due_naive),
            ("stalled: page (supervision)", page(supervisor_client, supervision_url)),
            ("stalled: query, product", stalled_product),
            ("stalled: query, naive (from step dates)", stalled_naive),
            ("plan page (full page, audited read)", plan_page),
            ("plan: data + decrypt, product", plan_product_selector),
            ("plan: data + decrypt, naive (goal by goal)", plan_naive),
        ]
        print(f"\n{connection.vendor}, {args.samples} samples each (ms):")
        print(f"{'what':55} {'p50':>8} {'p95':>8} {'mean':>8}")
        for label, fn in rows:
            result = timed(fn, args.samples)
            print(f"{label:55} {result['p50']:8.2f} {result['p95']:8.2f} {result['mean']:8.2f}")
        print(f"\nsettings: {settings.DATABASES['default']['ENGINE']}")
    finally:
        destroy_test_database(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
