"""Moving a whole instance from its SQLite file to an empty PostgreSQL
database, performed and verified in one transaction on the target.

What is promised: the target either ends up holding every row of every
table of the source, verified, or it is left as it was (empty). Nothing
in between is ever committed: the whole copy, its verification and the
audit event that records it run in one PostgreSQL transaction, so a
refusal, an error or a `kill -9` at any moment leaves the target empty
and the move can simply be run again.

Order, every refusal before the first write:

1. the target is PostgreSQL, migrated to the end of this code's
   migrations, and empty: no audit event, no user and no unit key (every
   write of the product is audited, and every personal value needs a
   unit key, so a target that was ever used has them). Rows
   that `migrate` itself writes (content types, permissions, groups,
   catalogues) are replaced by the source's, whose ids the rows refer to;
2. the source is a SQLite file (plain, or SQLCipher under this key ring)
   at exactly the target's migration state, with no table that no model
   describes;
3. the key ring opens every unit key stored in the source: the key ring
   files move with the database (same instance), and a wrong one is
   refused here;
4. copy, inside one read transaction on the source (one consistent
   state), in dependency order and in batches: every column is carried in
   its canonical form (schema.py); ciphertexts as bytes, never decrypted;
   a value that does not fit its column is refused, naming the row;
   PostgreSQL's sequences are set past the copied ids;
5. verify, still inside the target's transaction: per table the row
   count and a digest computed the same way on both sides; the audit
   chain head; `audit_verify --expect-head` with the source's head (which
   also proves the key ring is the one that wrote the chain); the files,
   if a media directory is given, copied and hashed; the live source
   digested again, to refuse a source that changed during the move;
6. one audit event `operations.database_moved` is appended, then commit.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from safepassage.audit.models import AuditEvent
from safepassage.audit.services import audit_record
from safepassage.operations.backup.container import file_sha256
from safepassage.vault import keys
from safepassage.vault.models import UnitKey
from safepassage.vault.sqlcipher.base import connect_raw

from .schema import (
    MIGRATIONS_TABLE,
    SQLITE_INTERNAL_PREFIX,
    CorruptValue,
    Digest,
    Table,
    canonical_rows,
    quote,
    tables_in_order,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
DEFAULT_BATCH = 500
# PostgreSQL's row triggers refuse deleting the audit state row; the
# source's row replaces it through ON CONFLICT instead.
KEEP_ROWS = frozenset({"audit_auditchainstate"})

Progress = Callable[[str, int], None]


class MoveError(Exception):
    """A move refused or undone; the message says why. The target is as it was."""


@dataclass
class MoveResult:
    tables: int = 0
    rows: int = 0
    files: int = 0
    head: str | None = None
    engine: str = ""
    digests: dict[str, dict[str, Any]] = field(default_factory=dict)


# --- the source -----------------------------------------------------------


def source_engine(path: Path) -> str:
    """ "sqlite" when the file starts with SQLite's header, else "sqlcipher"
    (an encrypted file shows no header at all)."""
    try:
        with path.open("rb") as fh:
            start = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise MoveError(f"Cannot read the source database {path}: {exc.strerror}.") from None
    if len(start) < len(SQLITE_MAGIC):
        raise MoveError(f"The source {path} is empty or too short to be a database.")
    return "sqlite" if start == SQLITE_MAGIC else "sqlcipher"


def source_connect(path: Path, engine: str) -> Any:
    """A read-only driver connection to the source, outside Django, in
    autocommit mode so that the caller opens its read transaction itself."""
    if engine == "sqlcipher":
        conn = connect_raw(str(path), read_only=True)
    else:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.isolation_level = None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as exc:  # sqlite3 and sqlcipher3 errors differ
        conn.close()
        hint = (
            " (an SQLCipher file opens only with the key ring that made it)"
            if engine == "sqlcipher"
            else ""
        )
        raise MoveError(f"The source is not a readable database: {exc}{hint}.") from None
    return conn


def _source_tables(conn: Any) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows if not r[0].startswith(SQLITE_INTERNAL_PREFIX)}


def _source_migrations(conn: Any) -> set[tuple[str, str]]:
    return {(a, n) for a, n in conn.execute("SELECT app, name FROM django_migrations")}


# --- checks before anything is written --------------------------------------


def _check_target(tables: list[Table]) -> set[tuple[str, str]]:
    if connection.vendor != "postgresql":
        raise MoveError(f"The target (DATABASE_URL) must be PostgreSQL; it is {connection.vendor}.")
    executor = MigrationExecutor(connection)
    if not executor.recorder.has_table():
        raise MoveError("The target is not migrated: run `manage.py migrate` on it first.")
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise MoveError(
            f"The target is not at this code's migration state ({len(plan)} migrations "
            "not applied): run `manage.py migrate` on it first."
        )
    applied = set(MigrationRecorder(connection).applied_migrations())
    existing = set(connection.introspection.table_names())
    missing = [t.name for t in tables if t.name not in existing]
    if missing:
        raise MoveError(f"The target lacks tables: {', '.join(missing[:5])}.")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {quote(AuditEvent._meta.db_table)}")  # noqa: S608
        events = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {quote(get_user_model()._meta.db_table)}")  # noqa: S608
        users = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {quote(UnitKey._meta.db_table)}")  # noqa: S608
        unit_keys = cursor.fetchone()[0]
    if events or users or unit_keys:
        raise MoveError(
            f"The target is not empty ({events} audit events, {users} users, "
            f"{unit_keys} unit keys): the "
            "move goes only into a new database that `migrate` alone has written. "
            "Merging one unit into an instance that holds others is not supported."
        )
    return applied


def _check_source(conn: Any, tables: list[Table], target_applied: set[tuple[str, str]]) -> None:
    present = _source_tables(conn)
    if MIGRATIONS_TABLE not in present:
        raise MoveError("The source has never been migrated (no django_migrations table).")
    source_applied = _source_migrations(conn)
    if source_applied != target_applied:
        only_source = sorted(source_applied - target_applied)
        only_target = sorted(target_applied - source_applied)
        raise MoveError(
            "The source and the target are at different migration states "
            f"(only in the source: {only_source[:3]}; only in the target: {only_target[:3]}). "
            "Run `manage.py migrate` on the source with this code first."
        )
    known = {t.name for t in tables}
    unknown = sorted(present - known - {MIGRATIONS_TABLE})
    if unknown:
        raise MoveError(f"The source has tables that no model describes: {', '.join(unknown[:5])}.")
    missing = sorted(known - present)
    if missing:
        raise MoveError(f"The source lacks tables: {', '.join(missing[:5])}.")


def _check_keyring(conn: Any) -> None:
    """Every unit key stored in the source opens with this key ring."""
    table = UnitKey._meta.db_table
    rows = conn.execute(f"SELECT id, scope, root_id, wrapped FROM {quote(table)}").fetchall()  # noqa: S608
    for key_id, scope, root_id, wrapped in rows:
        unit_key = UnitKey(
            id=uuid.UUID(str(key_id)), scope=scope, root_id=uuid.UUID(str(root_id)), wrapped=wrapped
        )
        try:
            keys.unit_key_bytes(unit_key)
        except Exception:  # every failure means the same here
            raise MoveError(
                "This machine's key ring does not open the source's unit keys: the "
                "unit's key ring file must move with its database (SAFEPASSAGE_KEYRING)."
            ) from None
    keys.clear_caches()


# --- copy and verify ----------------------------------------------------------


def _insert_sql(table: Table, rows: int) -> str:
    cols = ", ".join(quote(c) for c in table.columns)
    one = "(" + ", ".join(["%s"] * len(table.columns)) + ")"
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in table.columns if c != table.pk)
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return (
        f"INSERT INTO {quote(table.name)} ({cols}) VALUES {', '.join([one] * rows)} "  # noqa: S608
        f"ON CONFLICT ({quote(table.pk)}) {conflict}"
    )


def _for_target(table: Table, row: tuple[Any, ...]) -> list[Any]:
    return [
        json.dumps(v, ensure_ascii=False) if kind == "JSONField" and v is not None else v
        for kind, v in zip(table.kinds, row, strict=True)
    ]


def _copy_table(source: Any, cursor: Any, table: Table, batch: int) -> dict[str, Any]:
    digest = Digest()
    per_batch = max(1, min(batch, 30000 // max(1, len(table.columns))))
    src = source.execute(table.select_sql())
    while rows := src.fetchmany(per_batch):
        converted = canonical_rows(table, rows, digest)
        params = [p for row in converted for p in _for_target(table, row)]
        cursor.execute(_insert_sql(table, len(converted)), params)
    return digest.result()


def digest_table(rows: Any, table: Table) -> dict[str, Any]:
    digest = Digest()
    while chunk := rows.fetchmany(DEFAULT_BATCH):
        canonical_rows(table, chunk, digest)
    return digest.result()


def source_digests(conn: Any, tables: list[Table]) -> dict[str, dict[str, Any]]:
    return {t.name: digest_table(conn.execute(t.select_sql()), t) for t in tables}


def _head(cursor: Any) -> str | None:
    cursor.execute(
        f"SELECT sequence, mac FROM {quote(AuditEvent._meta.db_table)} "  # noqa: S608
        "ORDER BY sequence DESC LIMIT 1"
    )
    row = cursor.fetchone()
    return None if row is None else f"{row[0]}:{row[1]}"


def _verify_target(tables: list[Table], expected: dict[str, dict[str, Any]]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(table.select_sql())
            got = digest_table(cursor, table)
            want = expected[table.name]
            if got != want:
                raise MoveError(
                    f"Verification failed: {table.name} has {got['rows']} rows on the "
                    f"target, {want['rows']} in the source, or their digests differ."
                )


def _audit_verify(head: str | None) -> None:
    out = io.StringIO()
    try:
        if head is None:
            call_command("audit_verify", stdout=out, stderr=out)
        else:
            call_command("audit_verify", expect_head=head, stdout=out, stderr=out)
    except SystemExit:
        raise MoveError(
            "audit_verify fails on the moved chain (a wrong key ring, or an altered "
            "event in the source): " + out.getvalue().strip()[:300]
        ) from None


# --- files ----------------------------------------------------------------------


def _media_list(root: Path) -> dict[str, Path]:
    found = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            full = Path(dirpath) / name
            if full.is_file() and not full.is_symlink():
                found[full.relative_to(root).as_posix()] = full
    return found


class _MediaMove:
    """Copies the source's files beside the target's media root, checks each
    hash, and swaps the copy in; `undo` puts things back."""

    def __init__(self, source: Path, target: Path) -> None:
        self.source = source
        self.target = target
        self.staged: Path | None = None
        self.installed = False
        self.count = 0

    def stage(self) -> None:
        if self.target.exists() and any(self.target.iterdir()):
            raise MoveError(f"The target's media directory {self.target} is not empty.")
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.staged = Path(tempfile.mkdtemp(prefix=".moving-", dir=self.target.parent))
        for name, path in _media_list(self.source).items():
            dest = self.staged / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            if file_sha256(dest) != file_sha256(path):
                raise MoveError(f"A copied file differs from the source's: {name}.")
            self.count += 1

    def install(self) -> None:
        if self.staged is None:
            raise MoveError("The files were not staged.")
        if self.target.exists():
            self.target.rmdir()  # checked empty in stage()
        os.replace(self.staged, self.target)
        self.installed = True

    def undo(self) -> None:
        if self.installed:
            shutil.rmtree(self.target, ignore_errors=True)
            self.target.mkdir(parents=True, exist_ok=True)
        elif self.staged is not None:
            shutil.rmtree(self.staged, ignore_errors=True)


# --- the move ---------------------------------------------------------------------


def database_move(
    *,
    source: Path,
    source_media: Path | None = None,
    target_media: Path | None = None,
    batch: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> MoveResult:
    """Move the SQLite instance at `source` into the (empty) default database.
    Raises MoveError, the target left as it was."""
    if batch < 1:
        raise MoveError("The batch size must be at least 1.")
    engine = source_engine(source)
    tables = tables_in_order()
    applied = _check_target(tables)
    conn = source_connect(source, engine)
    media = None
    if source_media is not None:
        if target_media is None or source_media.resolve() == target_media.resolve():
            raise MoveError("Give the source's media directory apart from the target's.")
        if not source_media.is_dir():
            raise MoveError(f"The source's media directory {source_media} does not exist.")
        media = _MediaMove(source_media, target_media)
    result = MoveResult(engine=engine)
    try:
        _check_source(conn, tables, applied)
        _check_keyring(conn)
        conn.execute("BEGIN")  # one consistent state of the source
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    for table in tables:
                        if table.name not in KEEP_ROWS:
                            cursor.execute(f"DELETE FROM {quote(table.name)}")  # noqa: S608
                    for table in tables:
                        result.digests[table.name] = _copy_table(conn, cursor, table, batch)
                        if progress is not None:
                            progress(table.name, result.digests[table.name]["rows"])
                    head = _head(conn.cursor())
                    for sql in connection.ops.sequence_reset_sql(no_style(), _models()):
                        cursor.execute(sql)
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    _verify_target(tables, result.digests)
                    if _head(cursor) != head:
                        raise MoveError("The audit head on the target differs from the source's.")
                _audit_verify(head)
                keys.clear_caches()
                conn.execute("COMMIT")
                if source_digests(conn, tables) != result.digests:
                    raise MoveError(
                        "The source changed during the move: stop every SafePassage "
                        "process on the source machine and run the move again."
                    )
                if media is not None:
                    media.stage()
                    media.install()
                    result.files = media.count
                audit_record(
                    actor=None,
                    action="operations.database_moved",
                    details={
                        "engine": engine,
                        "tables": len(tables),
                        "rows": sum(d["rows"] for d in result.digests.values()),
                        "files": result.files,
                        "head_sequence": int(head.split(":")[0]) if head else 0,
                    },
                )
        except CorruptValue as exc:
            raise MoveError(f"A value in the source does not fit its column: {exc}.") from None
        except DatabaseError as exc:
            raise MoveError(
                "The target refused a row: " + str(exc).strip().splitlines()[0][:300]
            ) from None
    except BaseException:
        if media is not None:
            media.undo()
        keys.clear_caches()
        raise
    finally:
        conn.close()
    result.tables = len(tables)
    result.rows = sum(d["rows"] for d in result.digests.values())
    result.head = head
    return result


def _models() -> list[Any]:
    return list(apps.get_models(include_auto_created=True))
