from __future__ import annotations

import pytest

from safepassage.accounts.tests.factories import UnitFactory

from .factories import officer_in, threat_kinds


@pytest.fixture
def unit(db):
    return UnitFactory(name="Protecting unit")


@pytest.fixture
def other_unit(db):
    return UnitFactory(name="Other unit")


@pytest.fixture
def officer(unit):
    return officer_in(unit)


@pytest.fixture
def kinds(db):
    return threat_kinds()
