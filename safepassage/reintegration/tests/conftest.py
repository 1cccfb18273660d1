from __future__ import annotations

import pytest

from safepassage.accounts.tests.fixtures import *  # noqa: F403

from .factories import caseworker_in, supervisor_in


@pytest.fixture
def worker(unit_a):
    return caseworker_in(unit_a)


@pytest.fixture
def supervisor(unit_a):
    return supervisor_in(unit_a)
