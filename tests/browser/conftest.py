"""A real browser: Playwright driving Debian's Chromium (installed by `make install`).

No browser is downloaded; Chromium is launched by path. Screenshots go
to artifacts/screenshots/ (kept by CI as test artefacts, ignored by git).
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SAFEPASSAGE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread, and Django's
    ORM refuses to run beside one unless told it is safe (it is: one test,
    one thread). Set for browser tests only, so it never leaks elsewhere."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _reference_data(transactional_db: None) -> None:
    """The data migrations' rows (townships, role groups, the audit chain's
    state), made again when a transactional test before this one flushed
    them. (Serialized rollback would restore them, but collides with the
    content types that a flush's post_migrate re-creates under new ids.)"""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from safepassage.accounts.roles import ROLE_MODEL_PERMISSIONS, Role
    from safepassage.audit.models import AuditChainState
    from safepassage.geo.models import Township

    if not Township.objects.exists():
        importlib.import_module("safepassage.geo.migrations.0002_load_places").load(apps, None)
    for role in Role:
        group, created = Group.objects.get_or_create(name=role)
        if created:
            for label in ROLE_MODEL_PERMISSIONS.get(role, []):
                app_label, codename = label.split(".")
                group.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
    AuditChainState.objects.get_or_create(pk=1)


@pytest.fixture
def browser() -> Iterator[object]:
    """One browser per test: Playwright's event loop must not outlive the
    test, or every later ORM call in this worker is refused as async."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make install`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{name}.png"), full_page=True)

    return take
