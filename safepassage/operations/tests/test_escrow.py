"""Escrow: any k of n officers recover the key ring; k-1, wrong or mistyped
shares, another escrow's document are refused and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import TEST_PASSPHRASE
from safepassage.vault import api as vault
from safepassage.vault import escrow, keyring
from safepassage.vault.escrow import EscrowError

NEW_PASSPHRASE = "a new passphrase for the recovered ring"


@pytest.fixture
def made():
    return escrow.escrow_create(threshold=3, shares=5, instance=vault.instance_id())


def _secrets() -> dict[str, bytes]:
    return {name: keyring.system_secret(name) for name in keyring.SYSTEM_SECRETS}


def test_any_k_shares_recover_the_same_keys(made, tmp_path, keyring_restored):
    original = _secrets()
    original_root = keyring.active_root()
    original_receipt_keys = keyring.receipt_public_keys()
    for number, chosen in enumerate(([0, 1, 2], [4, 2, 0], [1, 3, 4])):
        path = tmp_path / f"recovered-{number}.json"
        escrow.escrow_recover(
            document=made.document,
            shares=[made.shares[i] for i in chosen],
            passphrase=NEW_PASSPHRASE,
            path=path,
        )
        keyring.unlock(NEW_PASSPHRASE, path=path)
        assert _secrets() == original
        assert keyring.active_root() == original_root
        assert keyring.receipt_public_keys(path=path) == original_receipt_keys
        keyring.unlock(TEST_PASSPHRASE, path=keyring_restored)


def test_k_minus_one_shares_are_refused(made, tmp_path):
    path = tmp_path / "recovered.json"
    with pytest.raises(EscrowError, match="needs 3"):
        escrow.escrow_recover(
            document=made.document, shares=made.shares[:2], passphrase=NEW_PASSPHRASE, path=path
        )
    # The same share twice is one share.
    with pytest.raises(EscrowError, match="needs 3"):
        escrow.escrow_recover(
            document=made.document,
            shares=[made.shares[0], made.shares[0], made.shares[1]],
            passphrase=NEW_PASSPHRASE,
            path=path,
        )
    assert not path.exists()


def test_shares_of_another_escrow_are_refused(made, tmp_path):
    other = escrow.escrow_create(threshold=3, shares=5, instance=vault.instance_id())
    path = tmp_path / "recovered.json"
    with pytest.raises(EscrowError, match="do not combine"):  # mixed sets
        escrow.escrow_open(made.document, [made.shares[0], made.shares[1], other.shares[2]])
    with pytest.raises(EscrowError, match="do not open"):  # a whole other set
        escrow.escrow_recover(
            document=made.document, shares=other.shares[:3], passphrase=NEW_PASSPHRASE, path=path
        )
    assert not path.exists()


def test_a_mistyped_word_is_caught_by_the_checksum(made):
    words = made.shares[0].split()
    words[5] = "academic" if words[5] != "academic" else "acid"
    with pytest.raises(EscrowError, match="do not combine"):
        escrow.escrow_open(made.document, [" ".join(words), made.shares[1], made.shares[2]])


def test_an_altered_document_or_another_instance_is_refused(made):
    altered = dict(made.document, instance="0" * 16)
    with pytest.raises(EscrowError, match="do not open"):
        escrow.escrow_open(altered, made.shares[:3])


def test_an_existing_key_ring_is_never_overwritten(made, keyring_restored):
    before = keyring_restored.read_bytes()
    with pytest.raises(keyring.KeyRingError, match="already exists"):
        escrow.escrow_recover(
            document=made.document, shares=made.shares[:3], passphrase=NEW_PASSPHRASE
        )
    assert keyring_restored.read_bytes() == before


def test_impossible_thresholds_are_refused():
    for k, n in ((0, 3), (4, 3), (1, 3), (2, 17)):
        with pytest.raises(ValueError, match="threshold"):
            escrow.escrow_create(threshold=k, shares=n, instance="x")


@pytest.mark.django_db
def test_commands_escrow_then_recover_after_the_ring_is_lost(tmp_path, keyring_restored):
    original = _secrets()
    shares_dir = tmp_path / "shares"
    call_command("vault_escrow", threshold=2, shares=3, shares_dir=str(shares_dir))
    files = sorted(shares_dir.glob("share-*.txt"))
    assert len(files) == 3
    assert all(oct(f.stat().st_mode & 0o777) == "0o600" for f in files)
    keyring_restored.unlink()  # the ring is lost
    keyring.lock()
    new_pass = tmp_path / "new-pass"
    new_pass.write_text(NEW_PASSPHRASE, encoding="utf-8")
    with pytest.raises(CommandError, match="needs 2"):
        call_command("vault_recover", share_file=[str(files[0])], new_passphrase_file=str(new_pass))
    assert not keyring_restored.exists()
    call_command(
        "vault_recover",
        share_file=[str(files[2]), str(files[0])],
        new_passphrase_file=str(new_pass),
    )
    keyring.unlock(NEW_PASSPHRASE)
    assert _secrets() == original


def test_escrow_path_is_beside_the_key_ring():
    assert escrow.escrow_path().parent == Path(keyring.keyring_path()).parent
