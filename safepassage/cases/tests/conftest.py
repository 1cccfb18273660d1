"""Fixtures for the case tests: two units, a screening officer in each, and
one person registered in both (the factories' pair), as details requests
and the screening index need them. A module's own fixture of the same
name wins."""

from __future__ import annotations

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory
from safepassage.cases.tests.factories import TWICE_NEW, TWICE_OLD, screened_case


@pytest.fixture
def asking():
    return UnitFactory(name="Asking unit")


@pytest.fixture
def owning():
    return UnitFactory(name="Owning unit")


@pytest.fixture
def officer(asking):
    return UserFactory(unit=asking, roles=[Role.SCREENING_OFFICER])


@pytest.fixture
def owner_officer(owning):
    return UserFactory(unit=owning, roles=[Role.SCREENING_OFFICER])


@pytest.fixture
def newcomer(asking):
    return screened_case(asking, **TWICE_NEW)


@pytest.fixture
def earlier(owning):
    return screened_case(owning, **TWICE_OLD)
