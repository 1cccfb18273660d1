"""Bad input to the backup commands: each a clear refusal, nothing touched."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyrage
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from conftest import TEST_PASSPHRASE
from safepassage.cases.tests.factories import case_create
from safepassage.operations.backup import restore as restore_module
from safepassage.operations.backup import snapshot
from safepassage.operations.backup.container import MAGIC, BackupError, header_check
from safepassage.vault import api as vault
from safepassage.vault import keyring

pytestmark = [pytest.mark.django_db(transaction=True)]


def _fingerprint():
    connections.close_all()
    if connection.vendor == "sqlite":
        return snapshot.sqlite_fingerprint(Path(connection.settings_dict["NAME"]))
    return snapshot.pg_fingerprint()


@pytest.fixture
def backup(seeded, hq, tmp_path) -> Path:
    path = tmp_path / "good.spbackup"
    call_command("backup_create", output=str(path), recipient=[hq["recipient"]])
    return path


def _restore(path: Path, hq, **options) -> None:
    call_command("backup_restore", str(path), identity=[str(hq["file"])], **options)


def _verify_fails(path: Path, capsys, expected: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("backup_verify", str(path))
    assert exit_info.value.code == 1
    assert expected in capsys.readouterr().err


def test_verify_passes_a_good_backup_and_checks_the_pinned_signer(backup, capsys):
    call_command("backup_verify", str(backup))
    assert "signature valid (signer NOT pinned" in capsys.readouterr().out
    signer = json.loads(backup.read_bytes().split(b"\n", 2)[1])["signer"]
    call_command("backup_verify", str(backup), signer=signer)
    assert "pinned signer" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        call_command("backup_verify", str(backup), signer="00" * 32)
    assert "another instance's key" in capsys.readouterr().err


def test_the_unit_cannot_read_its_backup_and_nothing_shows_in_clear(backup, seeded):
    data = backup.read_bytes()
    code = seeded["cases"][0].code.encode()
    for clear in (b"cases_person", b"audit_auditevent", b"keyring", code):
        assert clear not in data
    header = header_check(backup)
    stranger = pyrage.x25519.Identity.generate()  # any key but headquarters'
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(data[header.payload_offset :], [stranger])


def test_truncated_backup_is_refused_before_anything_is_touched(backup, hq, capsys, tmp_path):
    cut = tmp_path / "cut.spbackup"
    cut.write_bytes(backup.read_bytes()[:-100])
    _verify_fails(cut, capsys, "truncated")
    before = _fingerprint()
    with pytest.raises(CommandError, match="truncated"):
        _restore(cut, hq, force=True)
    assert _fingerprint() == before


def test_altered_payload_is_refused(backup, hq, capsys, tmp_path):
    data = bytearray(backup.read_bytes())
    data[-50] ^= 0x01
    altered = tmp_path / "altered.spbackup"
    altered.write_bytes(bytes(data))
    _verify_fails(altered, capsys, "altered")
    with pytest.raises(CommandError, match="altered"):
        _restore(altered, hq, force=True)


def test_a_rehashed_payload_or_edited_header_fails_the_signature(backup, capsys, tmp_path):
    """Someone who alters the payload and fixes the hash cannot re-sign."""
    import hashlib

    raw = backup.read_bytes()
    header = json.loads(raw.split(b"\n", 2)[1])
    payload = bytearray(raw[len(MAGIC) + len(raw.split(b"\n", 2)[1]) + 1 :])
    payload[-10] ^= 0xFF
    header["payload"]["sha256"] = hashlib.sha256(payload).hexdigest()
    forged = tmp_path / "forged.spbackup"
    forged.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + bytes(payload))
    _verify_fails(forged, capsys, "not signed")
    header["instance"] = "0" * 16
    forged.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + bytes(payload))
    _verify_fails(forged, capsys, "not signed")


def test_not_a_backup_is_refused(tmp_path, capsys):
    junk = tmp_path / "junk.spbackup"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    _verify_fails(junk, capsys, "Not a SafePassage backup")
    empty = tmp_path / "empty.spbackup"
    empty.write_bytes(b"")
    _verify_fails(empty, capsys, "Not a SafePassage backup")


def test_non_empty_target_is_refused_without_force(backup, hq):
    before = _fingerprint()
    with pytest.raises(CommandError, match="not empty"):
        _restore(backup, hq)
    assert _fingerprint() == before


def test_wrong_identity_is_refused_before_anything_is_touched(backup, tmp_path):
    other = tmp_path / "other.key"
    other.write_text(str(pyrage.x25519.Identity.generate()) + "\n", encoding="ascii")
    before = _fingerprint()
    with pytest.raises(CommandError, match="does not decrypt"):
        call_command("backup_restore", str(backup), identity=[str(other)], force=True)
    assert _fingerprint() == before
    not_a_key = tmp_path / "not-a-key"
    not_a_key.write_text("hello\n", encoding="ascii")
    with pytest.raises(CommandError, match="not an age identity"):
        call_command("backup_restore", str(backup), identity=[str(not_a_key)], force=True)


def test_backup_of_another_instance_is_refused(seeded, hq, tmp_path, keyring_restored):
    other_ring = tmp_path / "other-keyring.json"
    keyring.keyring_create(TEST_PASSPHRASE, path=other_ring)
    ours = vault.instance_id()
    keyring.unlock(TEST_PASSPHRASE, path=other_ring)
    assert vault.instance_id() != ours
    foreign = tmp_path / "foreign.spbackup"
    call_command("backup_create", output=str(foreign), recipient=[hq["recipient"]])
    keyring.unlock(TEST_PASSPHRASE, path=keyring_restored)
    before = _fingerprint()
    with pytest.raises(CommandError, match="another instance"):
        _restore(foreign, hq, force=True)
    assert _fingerprint() == before


def test_backup_needs_a_recipient_and_refuses_a_bad_one(seeded, tmp_path, settings):
    settings.BACKUP_RECIPIENTS = []
    with pytest.raises(CommandError, match="No recipient"):
        call_command("backup_create", output=str(tmp_path / "x.spbackup"))
    with pytest.raises(CommandError, match="Not an age public key"):
        call_command("backup_create", output=str(tmp_path / "x.spbackup"), recipient=["age1nope"])
    assert not (tmp_path / "x.spbackup").exists()


def test_force_replaces_later_changes_with_the_backup(backup, hq, seeded):
    before = _fingerprint()
    case_create(unit=seeded["unit"], actor=seeded["handler"], summary="after the backup")
    assert _fingerprint() != before
    _restore(backup, hq, force=True)
    assert _fingerprint() == before


def test_a_failure_after_the_swap_puts_the_target_back(backup, hq, seeded, monkeypatch):
    case_create(unit=seeded["unit"], actor=seeded["handler"], summary="after the backup")
    before = _fingerprint()
    media_before = sorted(p.name for p in Path(settings.VAULT_MEDIA_ROOT).rglob("*"))

    def _fail(manifest):
        raise BackupError("simulated failure of the final check")

    monkeypatch.setattr(restore_module, "_check_restored", _fail)
    try:
        with pytest.raises(CommandError, match="simulated failure"):
            _restore(backup, hq, force=True)
        media_after = sorted(p.name for p in Path(settings.VAULT_MEDIA_ROOT).rglob("*"))
        if connection.vendor == "sqlite":
            assert _fingerprint() == before  # the old file is back
        else:
            assert _fingerprint()[0] == {}  # PostgreSQL: left empty, never half restored
        assert media_after == media_before
    finally:
        monkeypatch.undo()
        if connection.vendor != "sqlite":  # the schema back for the tests after this one
            _restore(backup, hq, force=True)


def test_rotation_keeps_the_newest(seeded, hq, tmp_path):
    for day in (1, 2, 3):
        old = tmp_path / f"safepassage-x-2026010{day}T000000Z.spbackup"
        old.write_bytes(b"x")
        os.utime(old, (1_700_000_000 + day * 86400, 1_700_000_000 + day * 86400))
    call_command("backup_create", output_dir=str(tmp_path), keep=2, recipient=[hq["recipient"]])
    left = {p.name for p in tmp_path.glob("*.spbackup")}
    assert len(left) == 2
    assert "safepassage-x-20260103T000000Z.spbackup" in left
    (ours,) = left - {"safepassage-x-20260103T000000Z.spbackup"}
    assert ours.startswith(f"safepassage-{vault.instance_id()}-")
