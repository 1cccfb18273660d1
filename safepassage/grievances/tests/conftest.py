from __future__ import annotations

from safepassage.accounts.tests.fixtures import *  # noqa: F403
