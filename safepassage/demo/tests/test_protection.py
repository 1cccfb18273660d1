"""`seed_demo_protection`: houses, placements, assessments (one overdue), once."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from safepassage.cases.models import Task
from safepassage.demo.cases import demo_cases_seed
from safepassage.demo.seed import seed_demo_accounts
from safepassage.protection.models import Placement, RiskAssessment, SafeHouse
from safepassage.protection.tests.factories import threat_kinds

pytestmark = pytest.mark.django_db


def test_houses_placements_and_an_overdue_review_are_seeded_once(capsys):
    threat_kinds()
    seed_demo_accounts()
    demo_cases_seed(count=120, seed=3)
    call_command("seed_demo_protection")
    assert "safe houses" in capsys.readouterr().out
    houses = {h.label: h for h in SafeHouse.objects.all()}
    assert set(houses) == {"House Teak (demo)", "House Mango (demo)", "House Bamboo (demo)"}
    mango = houses["House Mango (demo)"]
    assert Placement.objects.filter(house=mango, checked_out_at__isnull=True).count() == 1
    assert mango.capacity == 1  # full: the newcomer sees a refusal there
    overdue = RiskAssessment.objects.filter(current=True, review_on__lt=timezone.localdate())
    assert overdue.count() == 1
    assert Task.objects.filter(pk=overdue.get().review_task_id).exists()
    assert RiskAssessment.objects.filter(family_member__isnull=False).exists()
    counts = (SafeHouse.objects.count(), Placement.objects.count(), RiskAssessment.objects.count())
    call_command("seed_demo_protection")
    assert "none added" in capsys.readouterr().out
    assert counts == (
        SafeHouse.objects.count(),
        Placement.objects.count(),
        RiskAssessment.objects.count(),
    )


def test_refused_outside_demo_settings(settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError):
        call_command("seed_demo_protection")


def test_a_clear_error_before_the_accounts_exist():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_protection")
