"""Shared fixtures for every app's tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

# Hypothesis's per-example deadline (200 ms) is a timed assertion: on a
# loaded machine it fails tests whose behaviour is right. Timing belongs to
# bench/, so no property test has a deadline.
hypothesis_settings.register_profile("safepassage", deadline=None)
hypothesis_settings.load_profile("safepassage")

TEST_PASSPHRASE = "test passphrase not for use"  # noqa: S105


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the project's default language. A view that
    activates Burmese for the person (the web form does) leaves it active
    in the thread after a test client's request; a later test calling a
    service directly would otherwise read its messages in Burmese."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _vault_keyring() -> Iterator[None]:
    """A fresh key ring per test process, unlocked for the whole session.

    Tests that need a locked vault use the `locked_vault` fixture.
    """
    from safepassage.vault import keyring

    path = settings.VAULT_KEYRING_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    keyring.keyring_create(TEST_PASSPHRASE, path=path)
    keyring.unlock(TEST_PASSPHRASE, path=path)
    yield
    keyring.lock()
    shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


@pytest.fixture
def locked_vault() -> Iterator[None]:
    """The vault locked for one test, unlocked again afterwards."""
    from safepassage.vault import keyring

    keyring.lock()
    keyring._state.auto_unlock_tried = True  # no passphrase file in tests
    try:
        yield
    finally:
        keyring._state.auto_unlock_tried = False
        keyring.unlock(TEST_PASSPHRASE, path=settings.VAULT_KEYRING_PATH)


@pytest.fixture(autouse=True)
def _fresh_screening_index() -> None:
    """Each test screens against its own people: ids recur after a rollback."""
    from safepassage.cases.screening.index import screening_index_reset
    from safepassage.watchlists.matching import watchlist_index_reset

    screening_index_reset()
    watchlist_index_reset()
