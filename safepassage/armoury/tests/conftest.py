from __future__ import annotations

from types import SimpleNamespace

import pytest

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory
from safepassage.armoury.tests.factories import cleared_case, staff


@pytest.fixture
def world(db):
    """A unit with a handler, a witness, a reward officer and an approver;
    another unit with its own; headquarters with finance staff."""
    hq = HeadquartersFactory()
    unit = UnitFactory(name="Receiving unit")
    other = UnitFactory(name="Other unit")
    return SimpleNamespace(
        hq=hq,
        unit=unit,
        other=other,
        handler=staff(unit, Role.UNIT_HANDLER),
        witness=staff(unit, Role.UNIT_HANDLER),
        officer=staff(unit, Role.REWARD_OFFICER),
        approver=staff(unit, Role.REWARD_APPROVER),
        other_handler=staff(other, Role.UNIT_HANDLER),
        other_witness=staff(other, Role.UNIT_HANDLER),
        hq_approver=staff(hq, Role.REWARD_APPROVER),
        hq_officer=staff(hq, Role.REWARD_OFFICER),
        hq_screening=staff(hq, Role.SCREENING_OFFICER),
        case=cleared_case(unit),
        other_case=cleared_case(other),
    )
