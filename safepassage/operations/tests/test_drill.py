"""The restore drill, on whichever database the run uses (CI runs the suite
on SQLite and on PostgreSQL): seed -> backup -> destroy everything ->
restore -> every row, file and the audit head identical -> the product
serves the restored data."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from safepassage.accounts.tests.factories import sign_in
from safepassage.operations.backup import snapshot
from safepassage.vault import keyring, keys

from .conftest import NAME

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _state() -> tuple[dict, str | None, dict[str, str]]:
    connections.close_all()
    if connection.vendor == "sqlite":
        tables, head = snapshot.sqlite_fingerprint(Path(connection.settings_dict["NAME"]))
    else:
        tables, head = snapshot.pg_fingerprint()
    media = Path(settings.VAULT_MEDIA_ROOT)
    files = {
        p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in media.rglob("*")
        if p.is_file()
    }
    return tables, head, files


def _destroy_everything() -> None:
    connections.close_all()
    if connection.vendor == "sqlite":
        db = Path(connection.settings_dict["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    else:
        conn = snapshot.pg_raw_connection()
        conn.autocommit = True
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        conn.close()
    shutil.rmtree(settings.VAULT_MEDIA_ROOT, ignore_errors=True)
    keyring.keyring_path().unlink()
    keyring.lock()
    keys.clear_caches()


@pytest.fixture
def no_media_of_earlier_tests():
    """Files left by earlier tests of this process (their rows are gone)."""
    shutil.rmtree(settings.VAULT_MEDIA_ROOT, ignore_errors=True)


def test_seed_backup_destroy_restore_serves_the_same_data(
    no_media_of_earlier_tests, seeded, hq, passphrase_file, keyring_restored, tmp_path
):
    backup = tmp_path / "unit.spbackup"
    call_command("backup_create", output=str(backup), recipient=[hq["recipient"]])
    before = _state()
    assert before[1] is not None  # the seed wrote audit events
    assert len(before[2]) == 3  # three photos
    people = sum(v["rows"] for k, v in before[0].items() if k == "cases_person")
    assert people == 3

    _destroy_everything()
    assert not keyring.is_unlocked()

    call_command(
        "backup_restore",
        str(backup),
        identity=[str(hq["file"])],
        passphrase_file=str(passphrase_file),
    )
    after = _state()
    assert after[0] == before[0]  # every table: same rows, same hash
    assert after[1] == before[1]  # the audit head
    assert after[2] == before[2]  # every encrypted file

    client = Client()
    sign_in(client, seeded["handler"])
    case = seeded["cases"][1]
    page = client.get(reverse("cases:detail", kwargs={"code": case.code}))
    assert page.status_code == 200
    assert f"{NAME} 1" in page.content.decode()
    photo = client.get(reverse("cases:person_photo", kwargs={"code": case.code}))
    assert photo.status_code == 200
    assert photo.content.startswith(b"\x89PNG")
