"""A consistent snapshot of the whole database, and its fingerprint.

Every table is taken, whatever app made it (nothing here names a model):
SQLite through its online backup API (a page-by-page copy that sees one
committed state), PostgreSQL through `pg_dump` on a snapshot exported by a
REPEATABLE READ transaction, in which the fingerprint and the audit head
are read too. So the dump, the counts and the head describe one moment.

The fingerprint: per table, the number of rows and a SHA-256 over the
sorted SHA-256s of its rows (so no ORDER BY is needed, and every column
type is covered). The restore recomputes it on the restored database and
refuses any difference: "every row identical" is checked, not assumed.
Values are read through a plain driver connection on both sides, so the
same backend gives the same text for the same stored value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connections

from safepassage.audit.models import AuditEvent

from .container import BackupError

Fingerprint = dict[str, dict[str, Any]]


def _canon(value: Any) -> str:
    if value is None:
        return "N"
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, memoryview | bytes | bytearray):
        return "b" + bytes(value).hex()
    if isinstance(value, int | Decimal | uuid.UUID):
        return "n" + str(value)
    if isinstance(value, float):
        return "f" + repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return "d" + value.isoformat()
    if isinstance(value, dict | list):
        return "j" + json.dumps(value, sort_keys=True, default=str)
    return "s" + str(value)


def _table_fingerprint(rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    hashes = []
    for row in rows:
        text = "\x1f".join(_canon(v) for v in row)
        hashes.append(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    hashes.sort()
    total = hashlib.sha256()
    for h in hashes:
        total.update(h)
    return {"rows": len(hashes), "sha256": total.hexdigest()}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fingerprint(cursor: Any, tables: list[str]) -> Fingerprint:
    result: Fingerprint = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608 - a quoted catalogue name
        result[table] = _table_fingerprint(iter(cursor.fetchone, None))
    return result


def _head(cursor: Any) -> str | None:
    table = _quote(AuditEvent._meta.db_table)
    cursor.execute(f"SELECT sequence, mac FROM {table} ORDER BY sequence DESC LIMIT 1")  # noqa: S608
    row = cursor.fetchone()
    return None if row is None else f"{row[0]}:{row[1]}"


# --- SQLite -------------------------------------------------------------------

SQLCIPHER_ENGINE = "safepassage.vault.sqlcipher"


def db_kind(alias: str = "default") -> str:
    """ "sqlite", "sqlcipher" or "postgresql" (or another vendor, refused)."""
    connection = connections[alias]
    if connection.settings_dict.get("ENGINE") == SQLCIPHER_ENGINE:
        return "sqlcipher"
    return str(connection.vendor)


def sqlite_connect(path: Path, *, read_only: bool = False, alias: str = "default") -> Any:
    """A plain driver connection (no type conversion) to an SQLite file: the
    sqlite3 module, or sqlcipher3 keyed from the key ring for SQLCipher."""
    if db_kind(alias) == "sqlcipher":
        from safepassage.vault.sqlcipher.base import connect_raw

        return connect_raw(str(path), read_only=read_only)
    if read_only:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return sqlite3.connect(path)


def sqlite_tables(conn: Any) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [r[0] for r in rows]


def sqlite_fingerprint(path: Path) -> tuple[Fingerprint, str | None]:
    """Fingerprint and audit head of the SQLite file at `path` (read only)."""
    conn = sqlite_connect(path, read_only=True)
    try:
        cursor = conn.cursor()
        tables = sqlite_tables(conn)
        return _fingerprint(cursor, tables), _head(cursor) if tables else None
    finally:
        conn.close()


def sqlite_snapshot(dest: Path, alias: str = "default") -> None:
    """Copy the live database to `dest` through SQLite's online backup API."""
    connection = connections[alias]
    connection.ensure_connection()
    source = connection.connection
    target = sqlite_connect(dest, alias=alias)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()


# --- PostgreSQL ---------------------------------------------------------------


def pg_environment(alias: str = "default") -> tuple[dict[str, str], str]:
    """Environment (PGHOST, ...) for the client tools, and the database name."""
    settings_dict = connections[alias].settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env, str(settings_dict["NAME"])


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed (Debian package postgresql-client); "
            "scripts/install-system-packages.sh installs it."
        )
    return path


def pg_raw_connection(alias: str = "default") -> Any:
    connection = connections[alias]
    return connection.get_new_connection(connection.get_connection_params())


def pg_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [r[0] for r in cursor.fetchall()]


def pg_snapshot(dest: Path, alias: str = "default") -> tuple[Fingerprint, str | None]:
    """pg_dump (custom format) into `dest`; fingerprint and head of the same snapshot."""
    env, name = pg_environment(alias)
    conn = pg_raw_connection(alias)
    try:
        conn.autocommit = False
        cursor = conn.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        result = subprocess.run(  # noqa: S603 - fixed program, no shell
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dest}",
                name,
            ],
            env=env,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(
                "pg_dump failed: " + result.stderr.decode("utf-8", "replace").strip()[:500]
            )
        tables = pg_tables(cursor)
        fingerprint = _fingerprint(cursor, tables)
        head = _head(cursor) if AuditEvent._meta.db_table in tables else None
        conn.rollback()
        return fingerprint, head
    finally:
        conn.close()


def pg_fingerprint(alias: str = "default") -> tuple[Fingerprint, str | None]:
    conn = pg_raw_connection(alias)
    try:
        cursor = conn.cursor()
        tables = pg_tables(cursor)
        fingerprint = _fingerprint(cursor, tables)
        head = _head(cursor) if AuditEvent._meta.db_table in tables else None
        conn.rollback()
        return fingerprint, head
    finally:
        conn.close()


def pg_table_count(alias: str = "default") -> int:
    conn = pg_raw_connection(alias)
    try:
        return len(pg_tables(conn.cursor()))
    finally:
        conn.close()
