"""Fixtures for operations: headquarters' age identity, a seeded instance,
and a way to put the session's key ring back whatever a test destroyed."""

from __future__ import annotations

import io
from pathlib import Path

import pyrage
import pytest
from django.conf import settings
from PIL import Image

from conftest import TEST_PASSPHRASE
from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory
from safepassage.cases.tests.factories import case_create, person_create, phone_add
from safepassage.vault import keyring
from safepassage.vault.fields import PendingFile

NAME = "Maung Backup Drill"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 10)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def hq(tmp_path: Path) -> dict[str, object]:
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "hq.key"
    key_file.write_text(f"# headquarters\n{identity}\n", encoding="ascii")
    return {"identity": identity, "file": key_file, "recipient": str(identity.to_public())}


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text(TEST_PASSPHRASE + "\n", encoding="utf-8")
    return path


@pytest.fixture
def keyring_restored():
    """Whatever the test does to the session's key ring, it is back afterwards."""
    path = Path(settings.VAULT_KEYRING_PATH)
    saved = path.read_bytes()
    yield path
    keyring.panic_clear()
    if not path.exists() or path.read_bytes() != saved:
        path.write_bytes(saved)
    keyring.unlock(TEST_PASSPHRASE, path=path)


@pytest.fixture
def seeded():
    return seed_drill()


def seed_drill() -> dict[str, object]:
    """One unit, its handler, three cases each with a person, a photo and a phone."""
    unit = UnitFactory(name="Drill unit")
    handler = UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])
    cases = []
    for number in range(3):
        case = case_create(unit=unit, actor=handler, summary=f"drill summary {number}")
        person = person_create(case, name_latin=f"{NAME} {number}")
        person.photo = PendingFile(png(), content_type="image/png")
        person.save()
        phone_add(person, f"+95942000{number:04d}")
        cases.append(case)
    return {"unit": unit, "handler": handler, "cases": cases}
