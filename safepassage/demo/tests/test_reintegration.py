"""seed_demo_reintegration: plans at several stages, providers, due
follow-ups; a second run adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from safepassage.accounts.models import User
from safepassage.reintegration import selectors
from safepassage.reintegration.models import FollowUp, Plan, Provider

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_seeds_plans_at_several_stages_once(capsys):
    call_command("seed_demo", "--quiet")
    call_command("seed_demo_reintegration")
    plans = Plan.objects.count()
    assert plans >= 3
    assert Provider.objects.count() == 5
    handler = User.objects.get(username="b1.handler")
    worker = User.objects.get(username="b1.caseworker")
    assert selectors.plans_stalled(user=handler).exists()
    assert selectors.plans_lost(user=handler).exists()
    assert FollowUp.objects.filter(state="due").exists()
    assert selectors.caseworker_home(user=worker).plans
    call_command("seed_demo_reintegration")
    assert Plan.objects.count() == plans
    assert "already there" in capsys.readouterr().out
