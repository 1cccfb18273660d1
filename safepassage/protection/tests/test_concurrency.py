"""Two officers place two people into the last place of a house at once:
one succeeds, the other is told the house is full (PostgreSQL, where the
row lock on the house is what serialises them)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from safepassage.accounts.tests.factories import UnitFactory
from safepassage.protection import services
from safepassage.protection.models import Placement

from .factories import house_create, officer_in, protected_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _someone_waits_for_a_lock() -> bool:
    with connections["default"].cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(cur.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_the_last_place_goes_to_one_of_two_concurrent_placements():
    unit = UnitFactory()
    officer = officer_in(unit)
    house = house_create(unit, capacity=1)
    first_case, second_case = protected_case(unit), protected_case(unit)
    placed, go = threading.Event(), threading.Event()
    outcome: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                services.placement_create(actor=officer, case=first_case, house=house)
                placed.set()
                go.wait(timeout=30)  # hold the transaction open
            outcome.append("placed")
        finally:
            connections.close_all()

    def second() -> None:
        try:
            placed.wait(timeout=30)
            services.placement_create(actor=officer, case=second_case, house=house)
            outcome.append("placed")
        except services.HouseFull:
            outcome.append("full")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    placed.wait(timeout=30)
    for _ in range(300):  # until the second waits on a lock (or 30 s pass)
        if _someone_waits_for_a_lock():
            break
        time.sleep(0.1)
    go.set()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcome) == ["full", "placed"]
    assert Placement.objects.filter(house=house, checked_out_at__isnull=True).count() == 1
