"""Demo cases carry what reports count: structured units, batches, rank bands, a year of flow."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from safepassage.cases.army_units import RankBand, unit_left_value
from safepassage.cases.models import Case, Category, ServiceRecord
from safepassage.cases.selectors import service_facts_for_reporting
from safepassage.cases.workflow import Status

pytestmark = pytest.mark.django_db

CASES = 150


def test_service_records_hold_valid_structured_units_and_batches():
    call_command("seed_demo", "--quiet", "--cases", str(CASES))
    records = list(ServiceRecord.objects.select_related("data_key__unit_key"))
    assert len(records) == CASES
    types: Counter[str] = Counter()
    for record in records:
        value = record.unit_left
        if record.category in (Category.SOLDIER, Category.POLICE, Category.CONSCRIPT):
            assert value, record.category
        if not value:
            continue
        batch = value.get("batch") or {}
        # What the form would have stored from the same values.
        assert (
            unit_left_value(
                unit_type=value.get("type"),
                unit_number=value.get("number"),
                batch_number=batch.get("number"),
                batch_year=batch.get("year"),
            )
            == value
        )
        if record.category == Category.CONSCRIPT:
            assert batch.get("number")
            assert batch.get("year")
        types[value.get("type", "")] += 1
    assert {"lib", "ib"} <= set(types)
    assert len(types) >= 4


def test_reporting_facts_cover_every_rank_band_and_a_year_of_cases():
    call_command("seed_demo", "--quiet", "--cases", str(CASES))
    ids = list(Case.objects.values_list("pk", flat=True))
    facts = service_facts_for_reporting(ids)
    assert len(facts) == CASES
    bands = {f.rank_band for f in facts.values()}
    assert {RankBand.PRIVATE, RankBand.NCO, RankBand.OFFICER} <= bands
    now = timezone.now()
    opened = list(Case.objects.values_list("created_at", "status"))
    assert all(now - at <= dt.timedelta(days=366) for at, _ in opened)
    months = {(at.year, at.month) for at, _ in opened}
    assert len(months) >= 9, "the flow is spread over the year"
    statuses = {status for _, status in opened}
    assert {Status.REINTEGRATING, Status.JOINED_FORCE, Status.CLOSED} <= statuses


def test_seed_demo_reports_opens_moves_and_closes_plans_through_the_services(capsys):
    from safepassage.audit.models import AuditEvent
    from safepassage.reintegration.models import FollowUp, Plan, Step
    from safepassage.reintegration.workflow import PlanState

    call_command("seed_demo", "--quiet", "--cases", "400")
    call_command("seed_demo_reports", "--plans", "40")
    out = capsys.readouterr().out
    plans = list(Plan.objects.select_related("case"))
    assert 5 <= len(plans) <= 40, out
    today = timezone.localdate()
    for plan in plans:
        assert plan.case.status == Status.REINTEGRATING
        assert plan.starts_on <= today
        assert plan.case.updated_at.date() >= plan.starts_on - dt.timedelta(days=400)
    assert Step.objects.filter(state__in=["done", "missed"]).exists()
    assert {p.state for p in plans} & {PlanState.COMPLETED, PlanState.LOST, PlanState.LEFT}
    assert AuditEvent.objects.filter(action__startswith="reintegration.plan").exists()
    assert FollowUp.objects.exists()
    # A second run adds nothing beyond the limit (it may take more of the
    # cleared cases the first left waiting, up to the limit).
    call_command("seed_demo_reports", "--plans", "40")
    count = Plan.objects.count()
    assert len(plans) <= count <= 40
    call_command("seed_demo_reports", "--plans", str(count))
    assert Plan.objects.count() == count


def test_seed_demo_reports_refuses_a_negative_limit():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="0 or more"):
        call_command("seed_demo_reports", "--plans", "-1")
