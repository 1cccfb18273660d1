"""seed_demo_armoury: items, an approved and a pending claim, one caught double claim."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from safepassage.armoury.models import Claim, DuplicateSerialAlert, Item
from safepassage.demo.armoury import demo_armoury_seed

pytestmark = pytest.mark.django_db


def test_the_demo_holds_rewards_and_a_caught_double_claim_and_seeds_once():
    call_command("seed_demo", "--cases", "200", "--quiet")
    result = demo_armoury_seed()
    assert result is not None
    assert Item.objects.count() == 5
    assert sorted(Claim.objects.values_list("status", flat=True)) == ["paid", "proposed"]
    alert = DuplicateSerialAlert.objects.get()
    assert alert.item.case.code == result.double_case
    assert alert.earlier.case.code == result.paid_case
    assert demo_armoury_seed() is None
    call_command("seed_demo_armoury")
    assert Item.objects.count() == 5
