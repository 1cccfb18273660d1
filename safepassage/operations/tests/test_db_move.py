"""The move drill: a unit's SQLite laptop -> this run's PostgreSQL database
(the target, DATABASE_URL) -> every row, file and the audit head identical
-> the case page serves from the target; and every hostile input leaves the
target as it was (empty)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import TEST_PASSPHRASE
from safepassage.accounts.models import User
from safepassage.accounts.tests.factories import UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases.models import Case
from safepassage.operations.move import run
from safepassage.operations.move.schema import tables_in_order
from safepassage.vault import keyring, keys

from .conftest import NAME

CHILD = Path(__file__).with_name("dbmove_child.py")
ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the move's target is PostgreSQL: set DATABASE_URL to a PostgreSQL server",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def laptop(tmp_path_factory):
    """A migrated, seeded SQLite instance made once, under this session's key ring."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(CHILD), "seed", str(settings.VAULT_KEYRING_PATH)],
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    info = json.loads(result.stdout.strip().splitlines()[-1])
    yield info
    shutil.rmtree(Path(info["db"]).parent, ignore_errors=True)


@pytest.fixture
def source(laptop, tmp_path):
    """A private copy of the laptop's database and files for one test."""
    db = tmp_path / "laptop.sqlite3"
    shutil.copy(laptop["db"], db)
    media = tmp_path / "laptop-media"
    shutil.copytree(laptop["media"], media)
    return {**laptop, "db": db, "media": media}


@pytest.fixture
def target_media():
    shutil.rmtree(settings.VAULT_MEDIA_ROOT, ignore_errors=True)
    yield Path(settings.VAULT_MEDIA_ROOT)
    shutil.rmtree(settings.VAULT_MEDIA_ROOT, ignore_errors=True)


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def _source_state(db: Path) -> tuple[dict, str]:
    conn = run.source_connect(db, "sqlite")
    try:
        digests = run.source_digests(conn, tables_in_order())
        seq, mac = conn.execute(
            "SELECT sequence, mac FROM audit_auditevent ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return digests, f"{seq}:{mac}"


def _target_digests() -> dict:
    out = {}
    with connection.cursor() as cursor:
        for table in tables_in_order():
            cursor.execute(table.select_sql())
            out[table.name] = run.digest_table(cursor, table)
    return out


def _assert_target_empty() -> None:
    assert AuditEvent.objects.count() == 0
    assert User.objects.count() == 0
    assert Case.objects.count() == 0


def _move(source, **extra) -> str:
    out = __import__("io").StringIO()
    call_command("db_move", source=str(source["db"]), stdout=out, **extra)
    return out.getvalue()


def test_seed_move_identical_rows_files_and_head_then_the_case_page_serves(source, target_media):
    digests, head = _source_state(source["db"])
    files = _files(source["media"])
    assert len(files) == 3  # three photos

    output = _move(source, source_media=str(source["media"]))

    assert output.startswith("OK: sqlite database moved")
    assert head in output
    # the last event is the move's own; the one before is the source's head
    last, before = AuditEvent.objects.order_by("-sequence")[:2]
    assert last.action == "operations.database_moved"
    assert f"{before.sequence}:{before.mac}" == head
    call_command("audit_verify", stdout=__import__("io").StringIO())
    after = _target_digests()
    moved_event = {"audit_auditevent", "audit_auditchainstate"}
    assert {k: v for k, v in after.items() if k not in moved_event} == {
        k: v for k, v in digests.items() if k not in moved_event
    }
    assert after["audit_auditevent"]["rows"] == digests["audit_auditevent"]["rows"] + 1
    assert _files(target_media) == files

    client = Client()
    sign_in(client, User.objects.get(username=source["handler"]))
    code = source["codes"][1]
    page = client.get(reverse("cases:detail", kwargs={"code": code}))
    assert page.status_code == 200
    assert f"{NAME} 1" in page.content.decode()
    photo = client.get(reverse("cases:person_photo", kwargs={"code": code}))
    assert photo.status_code == 200
    assert photo.content.startswith(b"\x89PNG")


def test_a_target_that_holds_data_is_refused_and_untouched(source):
    UserFactory()
    users = User.objects.count()
    with pytest.raises(CommandError, match="not empty"):
        _move(source)
    assert User.objects.count() == users
    assert Case.objects.count() == 0


def test_a_source_at_another_migration_state_is_refused(source):
    with sqlite3.connect(source["db"]) as conn:
        conn.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations)"
        )
    conn.close()
    with pytest.raises(CommandError, match="different migration states"):
        _move(source)
    _assert_target_empty()


def test_a_target_at_another_migration_state_is_refused(source):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('cases', '9999_not_in_the_source', now())"
        )
    try:
        with pytest.raises(CommandError, match="different migration states"):
            _move(source)
        _assert_target_empty()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE name = '9999_not_in_the_source'")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "UPDATE cases_case SET created_at = 'yesterday-ish' WHERE id = "
            "(SELECT min(id) FROM cases_case)",
            "does not fit its column",
        ),
        (
            "UPDATE cases_case SET unit_id = 999999 WHERE id = (SELECT min(id) FROM cases_case)",
            "refused a row",
        ),
        (
            "UPDATE audit_auditevent SET action = 'cases.deleted' WHERE sequence = 2",
            "audit_verify fails",
        ),
    ],
    ids=["a value of the wrong type", "a broken reference", "an altered audit event"],
)
def test_a_corrupt_row_is_refused_and_the_target_left_empty(source, sql, message):
    conn = sqlite3.connect(source["db"])
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')  # the laptop's owner can do this
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(sql)
    conn.commit()
    conn.close()
    with pytest.raises(CommandError, match=message):
        _move(source)
    _assert_target_empty()


def test_a_source_written_during_the_move_is_refused(source):
    def write_to_the_source(table: str, rows: int) -> None:
        if table == "cases_case":
            with sqlite3.connect(source["db"]) as writer:
                writer.execute("UPDATE geo_state SET name_en = name_en || ' (edited)'")
            writer.close()

    with pytest.raises(run.MoveError, match="source changed during the move"):
        run.database_move(source=source["db"], progress=write_to_the_source)
    _assert_target_empty()


def test_another_key_ring_is_refused(source, keyring_restored, tmp_path):
    other = tmp_path / "other-keyring.json"
    keyring.lock()
    keyring.keyring_create(TEST_PASSPHRASE, path=other)
    keyring.unlock(TEST_PASSPHRASE, path=other)
    keys.clear_caches()
    with pytest.raises(CommandError, match="key ring does not open"):
        _move(source)
    keyring.lock()
    keyring.unlock(TEST_PASSPHRASE, path=keyring_restored)
    _assert_target_empty()


def test_a_move_killed_in_the_middle_leaves_the_target_empty_and_can_run_again(source):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    child = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(CHILD),
            "move",
            str(settings.VAULT_KEYRING_PATH),
            "--source",
            str(source["db"]),
            "--batch-size",
            "1",
            "-v",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        copied = []
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("copied "):
                copied.append(line)
            if len(copied) >= 20:  # well inside the copy
                break
        child.kill()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        # its private directory (a copy of the key ring), left by the kill
        shutil.rmtree(ROOT / "var" / "test" / f"p{child.pid}", ignore_errors=True)
    assert len(copied) >= 20, child.stderr.read()[-2000:] if child.stderr else ""
    assert child.returncode == -9
    _assert_target_empty()

    output = _move(source)
    assert output.startswith("OK: sqlite database moved")
    assert Case.objects.count() == 3


@pytest.fixture(scope="module")
def cipher_laptop():
    """The same laptop on SQLCipher (the whole file encrypted), same key ring."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SAFEPASSAGE_DB_ENGINE"] = "sqlcipher"
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(CHILD), "seed", str(settings.VAULT_KEYRING_PATH)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    info = json.loads(result.stdout.strip().splitlines()[-1])
    yield info
    shutil.rmtree(Path(info["db"]).parent, ignore_errors=True)


def test_an_sqlcipher_laptop_moves_with_its_key_ring(cipher_laptop, target_media):
    assert not Path(cipher_laptop["db"]).read_bytes().startswith(b"SQLite format 3")
    output = _move(cipher_laptop, source_media=cipher_laptop["media"])
    assert output.startswith("OK: sqlcipher database moved")
    assert Case.objects.count() == 3
    client = Client()
    sign_in(client, User.objects.get(username=cipher_laptop["handler"]))
    page = client.get(reverse("cases:detail", kwargs={"code": cipher_laptop["codes"][0]}))
    assert f"{NAME} 0" in page.content.decode()
