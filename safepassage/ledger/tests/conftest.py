"""A headquarters, two units, finance staff in each, and a case in unit A."""

from __future__ import annotations

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
from safepassage.cases.tests.factories import case_create
from safepassage.ledger import services


@pytest.fixture
def hq():
    return HeadquartersFactory()


@pytest.fixture
def unit_a():
    return UnitFactory(name="Unit A")


@pytest.fixture
def unit_b():
    return UnitFactory(name="Unit B")


@pytest.fixture
def hq_finance(hq):
    return UserFactory(unit=hq, roles=[Role.REWARD_APPROVER])


@pytest.fixture
def officer_a(unit_a):
    return UserFactory(unit=unit_a, roles=[Role.REWARD_OFFICER])


@pytest.fixture
def witness_a(unit_a):
    return UserFactory(unit=unit_a, roles=[Role.UNIT_HANDLER])


@pytest.fixture
def officer_b(unit_b):
    return UserFactory(unit=unit_b, roles=[Role.REWARD_OFFICER])


@pytest.fixture
def case_a(unit_a):
    return case_create(unit=unit_a)


@pytest.fixture
def funded(hq_finance, unit_a):
    """100,000 MMK in the budget, 30,000 of it in unit A's float."""
    services.budget_fund(actor=hq_finance, amount_minor=100_000, currency="MMK")
    services.unit_float_fund(actor=hq_finance, unit=unit_a, amount_minor=30_000, currency="MMK")
    return unit_a
