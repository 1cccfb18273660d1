"""Database triggers that refuse UPDATE, DELETE and TRUNCATE of audit rows.

They stop application code and hand-typed SQL, not an attacker who owns
the database: SQLite has no privileges at all, and a PostgreSQL owner
can drop a trigger. The chain's MACs are what catch that attacker.

PostgreSQL: row triggers refuse UPDATE and DELETE of events and DELETE
of the state row; statement triggers (migration 0004) refuse TRUNCATE
of either table. Django's `flush` (every transactional test's teardown)
truncates all tables: on Django connections it first sets the
transaction-local `safepassage.audit_flushing` to `on`, which the
TRUNCATE trigger lets through on a test database only (`test_<name>`,
`POSTGRES_FLUSH_DATABASES`, migration 0005): any session may set the
variable, so elsewhere it is ignored. What remains is the table owner's
power to drop or disable a trigger: deny the application's role
ownership and TRUNCATE (docs/security.md, Audit).

SQLite: the same, except that SQLite has no TRUNCATE (its "truncate
optimisation" of an unqualified DELETE is off for tables with triggers,
so `DELETE FROM audit_auditevent` meets the DELETE trigger), and DELETE
is let through while Django's `flush` runs on this connection. The triggers call
`safepassage_audit_flushing()`, a function that only Django
connections define; any other client (the sqlite3 shell, a script)
gets "no such function" and its DELETE fails too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_FLUSH_FUNCTION = "safepassage_audit_flushing"
_FLAG = "_safepassage_audit_flushing"

EVENT_TABLE = "audit_auditevent"
STATE_TABLE = "audit_auditchainstate"
POSTGRES_FLUSH_SETTING = "safepassage.audit_flushing"

SQLITE_TRIGGERS = {
    "audit_event_no_update": (
        f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {EVENT_TABLE} "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END"
    ),
    "audit_event_no_delete": (
        f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {EVENT_TABLE} "
        f"WHEN {SQLITE_FLUSH_FUNCTION}() IS NOT 1 "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END"
    ),
    "audit_state_no_delete": (
        f"CREATE TRIGGER audit_state_no_delete BEFORE DELETE ON {STATE_TABLE} "
        f"WHEN {SQLITE_FLUSH_FUNCTION}() IS NOT 1 "
        "BEGIN SELECT RAISE(ABORT, 'the audit chain state cannot be deleted'); END"
    ),
}

POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'audit rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME; "
    "END $$"
)
POSTGRES_TRIGGERS = {
    "audit_event_no_change": (
        f"CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON {EVENT_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
    ),
    "audit_state_no_delete": (
        f"CREATE TRIGGER audit_state_no_delete BEFORE DELETE ON {STATE_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
    ),
}


#: The databases where the flush flag lets TRUNCATE through: pytest-django's
#: (and Django's) test databases, `test_<name>`. On any other database the
#: flag is ignored, so a session that sets it (any session can) still meets
#: the refusal: only Django's flush in a test run is let through.
POSTGRES_FLUSH_DATABASES = "test\\_%"


def postgres_truncate_function(flush_databases: str = POSTGRES_FLUSH_DATABASES) -> str:
    """The TRUNCATE trigger's function: refuse, unless the flush flag is on
    *and* the database's name matches `flush_databases` (a LIKE pattern)."""
    pattern = flush_databases.replace("'", "''")
    return (
        "CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"IF current_setting('{POSTGRES_FLUSH_SETTING}', true) IS DISTINCT FROM 'on' "
        f"OR current_database() NOT LIKE '{pattern}' THEN "
        "RAISE EXCEPTION 'audit rows are append-only: TRUNCATE on % refused', TG_TABLE_NAME; "
        "END IF; RETURN NULL; END $$"
    )


#: The function as migration 0004 made it (the flag alone let TRUNCATE
#: through); migration 0005 replaces it and restores it when reversed.
POSTGRES_TRUNCATE_FUNCTION_0004 = (
    "CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"IF current_setting('{POSTGRES_FLUSH_SETTING}', true) IS DISTINCT FROM 'on' THEN "
    "RAISE EXCEPTION 'audit rows are append-only: TRUNCATE on % refused', TG_TABLE_NAME; "
    "END IF; RETURN NULL; END $$"
)
POSTGRES_TRUNCATE_FUNCTION = postgres_truncate_function()
POSTGRES_TRUNCATE_TRIGGERS = {
    "audit_event_no_truncate": (
        f"CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {EVENT_TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
    ),
    "audit_state_no_truncate": (
        f"CREATE TRIGGER audit_state_no_truncate BEFORE TRUNCATE ON {STATE_TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
    ),
}


def truncate_create_sql(vendor: str) -> list[str]:
    """TRUNCATE guards (migration 0004): PostgreSQL only; SQLite has no TRUNCATE."""
    if vendor == "postgresql":
        return [POSTGRES_TRUNCATE_FUNCTION, *POSTGRES_TRUNCATE_TRIGGERS.values()]
    return []


def truncate_drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {EVENT_TABLE}",
            f"DROP TRIGGER IF EXISTS audit_state_no_truncate ON {STATE_TABLE}",
            "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
        ]
    return []


def create_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return list(SQLITE_TRIGGERS.values())
    if vendor == "postgresql":
        return [POSTGRES_FUNCTION, *POSTGRES_TRIGGERS.values()]
    raise NotImplementedError(f"No audit triggers for {vendor}; only SQLite and PostgreSQL.")


def drop_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    if vendor == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent",
            "DROP TRIGGER IF EXISTS audit_state_no_delete ON audit_auditchainstate",
            "DROP FUNCTION IF EXISTS audit_refuse_change()",
            *truncate_drop_sql(vendor),
        ]
    raise NotImplementedError(vendor)


def expected_triggers(vendor: str) -> set[str]:
    if vendor == "sqlite":
        return set(SQLITE_TRIGGERS)
    if vendor == "postgresql":
        return set(POSTGRES_TRIGGERS) | set(POSTGRES_TRUNCATE_TRIGGERS)
    return set()


def present_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    """Names of the audit triggers installed (SQLite drops them when it rebuilds a table)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                [EVENT_TABLE, STATE_TABLE],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                "AND tgrelid IN (%s::regclass, %s::regclass)",
                [EVENT_TABLE, STATE_TABLE],
            )
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


def install_guard(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On each new connection: let Django's own `flush` through the triggers.

    SQLite: define the flag function the DELETE triggers ask. PostgreSQL:
    have `flush` set the transaction-local flag the TRUNCATE trigger asks.
    """
    if connection.vendor == "postgresql":
        _install_postgres_flush_flag(connection)
        return
    if connection.vendor != "sqlite":
        return

    def flushing() -> int:
        return 1 if getattr(connection, _FLAG, False) else 0

    connection.connection.create_function(SQLITE_FLUSH_FUNCTION, 0, flushing)
    ops: Any = connection.ops
    if getattr(ops, _FLAG + "_wrapped", False):
        return
    original: Callable[[list[str]], None] = ops.execute_sql_flush

    def execute_sql_flush(sql_list: list[str]) -> None:
        setattr(connection, _FLAG, True)
        try:
            original(sql_list)
        finally:
            setattr(connection, _FLAG, False)

    ops.execute_sql_flush = execute_sql_flush
    setattr(ops, _FLAG + "_wrapped", True)


install_sqlite_guard = install_guard


def _install_postgres_flush_flag(connection: BaseDatabaseWrapper) -> None:
    ops: Any = connection.ops
    if getattr(ops, _FLAG + "_wrapped", False):
        return
    original: Callable[[list[str]], None] = ops.execute_sql_flush

    def execute_sql_flush(sql_list: list[str]) -> None:
        # Django runs the list in one transaction: the flag ends with it.
        original([f"SELECT set_config('{POSTGRES_FLUSH_SETTING}', 'on', true)", *sql_list])

    ops.execute_sql_flush = execute_sql_flush
    setattr(ops, _FLAG + "_wrapped", True)
