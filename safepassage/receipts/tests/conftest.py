from __future__ import annotations

import datetime as dt

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
from safepassage.receipts import services


@pytest.fixture
def unit_a():
    return UnitFactory(name="Unit A")


@pytest.fixture
def unit_b():
    return UnitFactory(name="Unit B")


@pytest.fixture
def hq():
    return HeadquartersFactory()


@pytest.fixture
def officer_a(unit_a):
    return UserFactory(unit=unit_a, roles=[Role.REWARD_OFFICER])


@pytest.fixture
def officer_b(unit_b):
    return UserFactory(unit=unit_b, roles=[Role.REWARD_OFFICER])


@pytest.fixture
def hq_officer(hq):
    return UserFactory(unit=hq, roles=[Role.REWARD_APPROVER])


def issue(actor, **overrides):
    kwargs = {
        "actor": actor,
        "kind": "payment",
        "case_code": "SP-ABCD-EFGH",
        "unit_label": "Unit A",
        "lines": [
            {"item": "MA-1 assault rifle", "item_my": "MA-1 သေနတ်", "quantity": 1, "amount": 500000},
            {"item": "7.62x39 rounds", "quantity": 120, "amount": 60000},
        ],
        "total_minor": 560000,
        "currency": "MMK",
        "schedule_version": "2026-1",
        "issued_at": dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC),
    }
    kwargs.update(overrides)
    return services.receipt_issue(**kwargs)


@pytest.fixture
def receipt(officer_a):
    return issue(officer_a)
