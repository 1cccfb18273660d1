"""Vault commands: clear errors on bad input, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import TEST_PASSPHRASE
from safepassage.vault import keyring

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def elsewhere(tmp_path, settings):
    """Point the key ring setting at an empty directory for one test."""
    settings.VAULT_KEYRING_PATH = tmp_path / "ring" / "keyring.json"
    return settings.VAULT_KEYRING_PATH


@pytest.fixture(autouse=True)
def _restore_session_ring():
    yield
    from django.conf import settings

    keyring.unlock(TEST_PASSPHRASE, path=settings.VAULT_KEYRING_PATH)


def test_vault_init_generates_a_passphrase_file_and_a_key_ring(elsewhere, tmp_path, capsys):
    target = tmp_path / "pass"
    call_command("vault_init", "--generate-into", str(target))
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    passphrase = target.read_text().strip()
    assert len(passphrase) >= 30
    keyring.unlock(passphrase, path=elsewhere)
    assert passphrase not in capsys.readouterr().out


def test_vault_init_refuses_to_overwrite(elsewhere, tmp_path):
    target = tmp_path / "pass"
    call_command("vault_init", "--generate-into", str(target))
    before = elsewhere.read_bytes()
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command("vault_init", "--generate-into", str(target))
    assert elsewhere.read_bytes() == before
    call_command("vault_init", "--generate-into", str(target), "--if-missing")
    assert elsewhere.read_bytes() == before


def test_vault_init_refuses_a_short_passphrase(elsewhere, tmp_path):
    short = tmp_path / "short"
    short.write_text("tooshort\n")
    with pytest.raises(CommandError, match="at least 12"):
        call_command("vault_init", "--passphrase-file", str(short))
    assert not elsewhere.exists()


def test_vault_status_on_a_missing_key_ring_is_a_clear_error(elsewhere):
    with pytest.raises(CommandError, match="No key ring"):
        call_command("vault_status")


def test_vault_status_check_with_wrong_passphrase(elsewhere, tmp_path):
    good = tmp_path / "good"
    good.write_text("a perfectly fine passphrase\n")
    call_command("vault_init", "--passphrase-file", str(good))
    bad = tmp_path / "bad"
    bad.write_text("not the right passphrase\n")
    with pytest.raises(CommandError, match="does not open"):
        call_command("vault_status", "--check", "--passphrase-file", str(bad))
    call_command("vault_status", "--check", "--passphrase-file", str(good))


def test_vault_status_describes_without_secrets(elsewhere, tmp_path, capsys):
    good = tmp_path / "good"
    good.write_text("a perfectly fine passphrase\n")
    call_command("vault_init", "--passphrase-file", str(good))
    capsys.readouterr()
    call_command("vault_status")
    out = json.loads(capsys.readouterr().out)
    assert out["kdf"]["algorithm"] == "argon2id"
    assert "salt" not in out["kdf"]
    assert "wrapped" not in json.dumps(out)


def test_change_passphrase_command(elsewhere, tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_text("the old passphrase!\n")
    new.write_text("the new passphrase!\n")
    call_command("vault_init", "--passphrase-file", str(old))
    call_command(
        "vault_change_passphrase", "--passphrase-file", str(old), "--new-passphrase-file", str(new)
    )
    keyring.unlock("the new passphrase!", path=elsewhere)
    with pytest.raises(CommandError, match="does not open"):
        call_command(
            "vault_change_passphrase",
            "--passphrase-file",
            str(old),
            "--new-passphrase-file",
            str(new),
        )


def test_unreadable_passphrase_file_is_a_clear_error(elsewhere, tmp_path):
    with pytest.raises(CommandError, match="Cannot read the passphrase file"):
        call_command("vault_init", "--passphrase-file", str(tmp_path / "absent"))


def test_corrupted_key_ring_through_manage_py_prints_no_traceback(tmp_path):
    ring = tmp_path / "keyring.json"
    ring.write_text("{ not json")
    result = subprocess.run(
        [sys.executable, "manage.py", "vault_status"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "SAFEPASSAGE_VAR_DIR": str(tmp_path),
            "HOME": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "corrupted" in result.stderr
    assert "Traceback" not in result.stderr
