"""audit_verify and audit_head: exit status and what they print."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from safepassage.audit import db_guard

from .conftest import build_chain

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        for statement in db_guard.drop_sql(connection.vendor):
            cursor.execute(statement)


def test_verify_passes_an_intact_chain_and_counts_it() -> None:
    build_chain(12)
    code, out, err = _run("audit_verify")
    assert code == 0
    assert "OK: 12 events checked" in out
    assert not err


def test_verify_names_the_first_bad_event() -> None:
    build_chain(12)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET unit_id = 999 WHERE sequence = 5")
    code, _out, err = _run("audit_verify")
    assert code == 1
    assert "FAILED at event #5: mac_mismatch" in err
    assert "triggers missing" in err


def test_verify_reports_a_truncated_tail() -> None:
    build_chain(12)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence >= 10")
    code, _out, err = _run("audit_verify")
    assert code == 1
    assert "FAILED at event #10: truncated" in err


def test_head_then_verify_with_the_head_kept_elsewhere() -> None:
    build_chain(8)
    code, out, _err = _run("audit_head")
    assert code == 0
    head = out.strip()
    assert head.startswith("8:")
    build_chain(3)
    assert _run("audit_verify", "--expect-head", head)[0] == 0
    forged = "8:" + "0" * 64
    code, _out, err = _run("audit_verify", "--expect-head", forged)
    assert code == 1
    assert "anchor_mismatch" in err


def test_verify_with_a_head_beyond_the_chain_reports_truncation() -> None:
    build_chain(4)
    code, _out, err = _run("audit_verify", "--expect-head", "9:" + "ab" * 32)
    assert code == 1
    assert "truncated" in err


def test_head_refuses_to_print_a_broken_chain() -> None:
    build_chain(5)
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 2")
    code, out, err = _run("audit_head")
    assert code == 1
    assert not out
    assert "#2" in err


def test_verify_refuses_a_malformed_expected_head() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("audit_verify", "--expect-head", "nonsense")


def test_verify_with_a_locked_vault_and_no_passphrase_fails_cleanly(locked_vault: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="locked"):
        call_command("audit_verify")
