"""The database itself refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from safepassage.audit import db_guard
from safepassage.audit.models import AuditChainState, AuditEvent
from safepassage.audit.services import audit_record

pytestmark = pytest.mark.django_db

NO_TRUNCATE_ON_SQLITE = (
    "PostgreSQL only (set DATABASE_URL): SQLite has no TRUNCATE, and its unqualified "
    "DELETE is refused by test_raw_sql_delete_of_all_events_is_refused"
)


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(actor=None, action="audit.tested", details={"n": 1})


def _raw(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_triggers_are_installed() -> None:
    assert db_guard.present_triggers(connection) == db_guard.expected_triggers(connection.vendor)


def test_raw_sql_update_of_an_event_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(
            "UPDATE audit_auditevent SET action = %s WHERE sequence = %s",
            ["audit.forged", event.sequence],
        )
    assert AuditEvent.objects.get(sequence=event.sequence).action == "audit.tested"


def test_raw_sql_update_of_every_event_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditevent SET details = %s", ["{}"])


def test_raw_sql_delete_of_an_event_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match=r"append-only|refused"):
        _raw("DELETE FROM audit_auditevent WHERE sequence = %s", [event.sequence])
    assert AuditEvent.objects.filter(sequence=event.sequence).exists()


def test_raw_sql_delete_of_all_events_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM audit_auditevent", [])
    assert AuditEvent.objects.count() == 1


def test_raw_sql_delete_of_the_chain_state_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM audit_auditchainstate", [])
    assert AuditChainState.objects.filter(pk=1).exists()


def test_the_chain_state_may_still_be_updated_by_sql(event: AuditEvent) -> None:
    """The append itself updates the state row: the triggers must let that through."""
    _raw("UPDATE audit_auditchainstate SET updated_at = updated_at WHERE id = 1", [])


@pytest.mark.django_db(transaction=True)
def test_django_flush_still_empties_the_tables() -> None:
    """Transactional tests end with `flush`; the triggers must not break it."""
    audit_record(actor=None, action="audit.tested")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    # ... and the chain restarts from a fresh state row.
    assert audit_record(actor=None, action="audit.tested").sequence == 1
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM audit_auditevent", [])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
@pytest.mark.django_db(transaction=True)
def test_a_client_without_the_guard_function_cannot_delete() -> None:
    """The sqlite3 shell or a script: the trigger's function is unknown there."""
    import sqlite3

    audit_record(actor=None, action="audit.tested")
    raw = sqlite3.connect(connection.settings_dict["NAME"], timeout=5)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such function"):
            raw.execute("DELETE FROM audit_auditevent")
        raw.rollback()
    finally:
        raw.close()
    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_TRUNCATE_ON_SQLITE)
@pytest.mark.parametrize("table", [db_guard.EVENT_TABLE, db_guard.STATE_TABLE])
def test_truncate_of_an_audit_table_is_refused_on_postgresql(event: AuditEvent, table: str) -> None:
    with pytest.raises(DatabaseError, match="TRUNCATE"):
        _raw(f"TRUNCATE {table}", [])
    assert AuditEvent.objects.filter(sequence=event.sequence).exists()
    assert AuditChainState.objects.filter(pk=1).exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_TRUNCATE_ON_SQLITE)
def test_truncate_together_with_another_table_is_refused_on_postgresql(
    event: AuditEvent,
) -> None:
    """A TRUNCATE naming several tables (as a careless clean-up script would)."""
    with pytest.raises(DatabaseError, match="TRUNCATE"):
        _raw(f"TRUNCATE django_session, {db_guard.EVENT_TABLE}", [])
    assert AuditEvent.objects.count() == 1


def _flagged_truncate(table: str) -> None:
    """What any session may do: set the flush flag, then TRUNCATE."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL {db_guard.POSTGRES_FLUSH_SETTING} = 'on'")
        cursor.execute(f"TRUNCATE {table}")


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_TRUNCATE_ON_SQLITE)
def test_the_flush_flag_does_not_let_truncate_through_outside_a_test_database(
    event: AuditEvent,
) -> None:
    """The attack: the application's role sets the flag Django's flush
    uses, then truncates the audit table. On a database that is not a test
    database (simulated: the function installed with a pattern this one
    does not match) the flag is ignored."""
    with connection.cursor() as cursor:
        cursor.execute(db_guard.postgres_truncate_function("production\\_only\\_%"))
    try:
        with pytest.raises(DatabaseError, match="TRUNCATE"):
            _flagged_truncate(db_guard.EVENT_TABLE)
        assert AuditEvent.objects.filter(sequence=event.sequence).exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(db_guard.postgres_truncate_function())


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_TRUNCATE_ON_SQLITE)
def test_the_migrated_function_ignores_the_flag_outside_test_databases() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'audit_refuse_truncate'")
        (source,) = cursor.fetchone()
    assert "current_database() NOT LIKE 'test\\_%'" in source
