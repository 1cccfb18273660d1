"""seed_demo_grievances: a check-in waiting on the web form and two
complaints for headquarters; a second run adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from safepassage.accounts.models import User
from safepassage.grievances import selectors
from safepassage.grievances.models import CheckIn, Grievance

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_seeds_complaints_and_a_check_in_once(capsys):
    call_command("seed_demo", "--quiet")
    call_command("seed_demo_reintegration")
    call_command("seed_demo_grievances")
    assert Grievance.objects.count() == 2
    assert Grievance.objects.filter(verified=True).count() == 1
    assert CheckIn.objects.count() == 1
    hq = User.objects.get(username="hq.protection")
    assert selectors.grievances_open(user=hq).count() == 2
    b1 = User.objects.get(username="b1.handler")
    assert not selectors.grievances_visible_to(b1).exists()
    assert "/contact/resume/" in capsys.readouterr().out
    call_command("seed_demo_grievances")
    assert Grievance.objects.count() == 2
    assert "already there" in capsys.readouterr().out
