"""SQLCipher: a copied database file shows nothing, to `strings` or `sqlite3`;
the product migrates, writes, backs up and restores on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("sqlcipher_child.py")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cipher_instance(tmp_path_factory):
    work = tmp_path_factory.mktemp("cipher")
    env = dict(os.environ, SAFEPASSAGE_DB_ENGINE="sqlcipher")
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(CHILD), str(work)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    db, code = result.stdout.strip().splitlines()[-1].split()
    yield work / "copied.sqlite3", code
    shutil.rmtree(Path(db).parent, ignore_errors=True)


def test_strings_finds_no_table_name_code_or_schema(cipher_instance):
    copied, code = cipher_instance
    assert copied.stat().st_size > 100_000
    data = copied.read_bytes()
    if shutil.which("strings"):
        text = subprocess.run(  # noqa: S603
            ["strings", "-n", "4", str(copied)],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    else:  # the same search, without binutils
        text = data.decode("latin-1")
    for clear in ("SQLite format", "CREATE TABLE", "cases_case", "audit_auditevent", code):
        assert clear not in text, clear


def test_sqlite3_cannot_open_the_copy(cipher_instance):
    copied, _ = cipher_instance
    import sqlite3

    conn = sqlite3.connect(copied)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        conn.execute("SELECT name FROM sqlite_master").fetchall()
    conn.close()
    if shutil.which("sqlite3"):
        shown = subprocess.run(  # noqa: S603
            ["sqlite3", str(copied), ".tables"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        assert shown.returncode != 0
        assert "cases_case" not in shown.stdout
