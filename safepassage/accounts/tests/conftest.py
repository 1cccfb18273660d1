from safepassage.accounts.tests.fixtures import *  # noqa: F403
