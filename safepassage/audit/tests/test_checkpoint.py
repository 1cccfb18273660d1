"""audit_checkpoint and audit_verify --checkpoint/--code catch a rollback.

The attack: someone holding the database (a DBA, a restored backup)
keeps the sealed head of an earlier day, later deletes the events after
it and puts that head back. The chain is consistent again from inside;
only a head kept outside the database shows what was removed.
"""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from safepassage.audit import db_guard
from safepassage.audit.checkpoint import (
    CheckpointError,
    checkpoint_from_code,
    checkpoint_from_document,
)
from safepassage.audit.models import AuditChainState

from .conftest import build_chain

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _checkpoint(tmp_path: Path, name: str = "cp.json") -> tuple[Path, str]:
    path = tmp_path / name
    code, out, err = _run("audit_checkpoint", "--output", str(path))
    assert code == 0, err
    paper = re.search(r"Code for paper: (\S+)", out)
    assert paper is not None
    return path, paper.group(1)


def _sealed_head() -> bytes:
    return bytes(AuditChainState.objects.values_list("sealed", flat=True).get(pk=1))


def _roll_back_to(sealed: bytes, last_kept: int) -> None:
    """The attack, as a database superuser does it: triggers off, tail gone, old head back."""
    with connection.cursor() as cursor:
        for statement in db_guard.drop_sql(connection.vendor):
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence > %s", [last_kept])
        cursor.execute("UPDATE audit_auditchainstate SET sealed = %s WHERE id = 1", [sealed])


def test_a_checkpoint_of_an_intact_chain_verifies(tmp_path: Path) -> None:
    build_chain(6)
    path, paper = _checkpoint(tmp_path)
    data = json.loads(path.read_text())
    assert data["seq"] == 6
    assert path.stat().st_mode & 0o777 == 0o600
    build_chain(3)  # the chain grows after the checkpoint: still fine
    code, out, _err = _run("audit_verify", "--checkpoint", str(path), "--code", paper)
    assert code == 0
    assert "OK: event #6 matches the checkpoint of" in out
    assert "OK: event #6 matches the code" in out


def test_plain_audit_verify_is_unchanged_and_misses_the_rollback(tmp_path: Path) -> None:
    build_chain(5)
    earlier = _sealed_head()
    build_chain(7)
    _checkpoint(tmp_path)
    _roll_back_to(earlier, last_kept=5)
    code, out, _err = _run("audit_verify")
    assert code == 0, "without an outside head the rollback is invisible (documented)"
    assert "OK: 5 events checked" in out


def test_a_rollback_is_caught_by_the_checkpoint_file(tmp_path: Path) -> None:
    build_chain(5)
    earlier = _sealed_head()
    build_chain(7)
    path, _paper = _checkpoint(tmp_path)
    _roll_back_to(earlier, last_kept=5)
    code, _out, err = _run("audit_verify", "--checkpoint", str(path))
    assert code == 1
    assert "FAILED at event #6: truncated: rolled back" in err
    assert "events #6..#12 are gone" in err
    assert "the checkpoint of" in err


def test_a_rollback_is_caught_by_the_paper_code(tmp_path: Path) -> None:
    build_chain(5)
    earlier = _sealed_head()
    build_chain(7)
    _path, paper = _checkpoint(tmp_path)
    _roll_back_to(earlier, last_kept=5)
    code, _out, err = _run("audit_verify", "--code", paper.lower().replace("-", " "))
    assert code == 1
    assert "rolled back" in err
    assert "events #6..#12 are gone" in err


def test_a_rollback_that_grew_again_past_the_checkpoint_is_caught(tmp_path: Path) -> None:
    """After the rollback the product appends again, past the checkpointed number."""
    build_chain(5)
    earlier = _sealed_head()
    build_chain(7)
    path, paper = _checkpoint(tmp_path)
    _roll_back_to(earlier, last_kept=5)
    build_chain(10)  # #6..#15 again, but other events
    assert _run("audit_verify")[0] == 0
    for option, value in (("--checkpoint", str(path)), ("--code", paper)):
        code, _out, err = _run("audit_verify", option, value)
        assert code == 1
        assert "FAILED at event #12: anchor_mismatch" in err
        assert "rolled back to before #12" in err


def test_a_checkpoint_edited_to_an_earlier_head_is_refused(tmp_path: Path) -> None:
    """Lowering the recorded number would hide a rollback: the signature breaks."""
    build_chain(4)
    path, _paper = _checkpoint(tmp_path)
    data = json.loads(path.read_text())
    data["seq"] = 2
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="signature does not hold"):
        call_command("audit_verify", "--checkpoint", str(path))


@pytest.mark.parametrize(
    "text",
    ["", "[]", "{}", '{"format": "safepassage-audit-checkpoint", "v": 1}', "\ud800", "9" * 5000],
)
def test_malformed_checkpoint_files_are_clear_errors(text: str) -> None:
    with pytest.raises(CheckpointError):
        checkpoint_from_document(text)


@pytest.mark.parametrize("code", ["", "12", "12-ABCDE", "x-ABCDE-FGHIJ", "12-ABCDE-FGHI1", "-1-A"])
def test_malformed_codes_are_clear_errors(code: str) -> None:
    with pytest.raises(CheckpointError):
        checkpoint_from_code(code)


def test_an_unreadable_checkpoint_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read the checkpoint"):
        call_command("audit_verify", "--checkpoint", str(tmp_path / "missing.json"))


def test_no_checkpoint_of_a_broken_chain(tmp_path: Path) -> None:
    build_chain(5)
    with connection.cursor() as cursor:
        for statement in db_guard.drop_sql(connection.vendor):
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 2")
    code, _out, err = _run("audit_checkpoint", "--output", str(tmp_path / "cp.json"))
    assert code == 1
    assert not (tmp_path / "cp.json").exists()
    assert "#2" in err
