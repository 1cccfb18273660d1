"""The key ring file: creation, unlocking, bad input, passphrase change, rotation steps."""

from __future__ import annotations

import json

import pytest

from safepassage.vault import api, keyring
from safepassage.vault.exceptions import KeyRingError, VaultLocked, WrongPassphrase

PASS = "a long test passphrase"


@pytest.fixture
def ring(tmp_path):
    path = tmp_path / "keyring.json"
    keyring.keyring_create(PASS, path=path)
    yield path
    # Restore the session's key ring for the other tests.
    from django.conf import settings

    from conftest import TEST_PASSPHRASE

    keyring.unlock(TEST_PASSPHRASE, path=settings.VAULT_KEYRING_PATH)


def test_created_file_is_private_and_holds_no_plain_key(ring):
    assert oct(ring.stat().st_mode & 0o777) == "0o600"
    data = json.loads(ring.read_text())
    assert data["kdf"]["algorithm"] == "argon2id"
    assert set(data["secrets"]) == {*keyring.SYSTEM_SECRETS, keyring.RECEIPT_SIGNING_SECRET}
    keyring.unlock(PASS, path=ring)
    _, root = keyring.active_root()
    assert root.hex() not in ring.read_text()
    _, seed = keyring.receipt_signing_key()
    assert seed.hex() not in ring.read_text()
    (receipt_key,) = data["receipt_keys"]
    assert receipt_key["state"] == "active"


def test_receipt_key_rotation_keeps_old_public_keys(ring):
    keyring.unlock(PASS, path=ring)
    old_id, old_seed = keyring.receipt_signing_key()
    new_id = keyring.receipt_key_rotate(PASS, path=ring)
    assert new_id != old_id
    key_id, seed = keyring.receipt_signing_key()
    assert (key_id, seed != old_seed) == (new_id, True)
    public = keyring.receipt_public_keys(path=ring)
    assert set(public) == {old_id, new_id}
    states = {e["id"]: e["state"] for e in json.loads(ring.read_text())["receipt_keys"]}
    assert states == {old_id: "retired", new_id: "active"}
    # Rotating the root key keeps the receipt keys.
    keyring.root_rotation_begin(PASS, path=ring)
    keyring.root_rotation_finish(PASS, path=ring)
    assert keyring.receipt_signing_key() == (new_id, seed)
    assert set(keyring.receipt_public_keys(path=ring)) == {old_id, new_id}


def test_refuses_to_overwrite_an_existing_key_ring(ring):
    before = ring.read_bytes()
    with pytest.raises(KeyRingError, match="refusing to overwrite"):
        keyring.keyring_create(PASS, path=ring)
    assert ring.read_bytes() == before


def test_short_passphrase_is_refused(tmp_path):
    with pytest.raises(KeyRingError, match="at least"):
        keyring.keyring_create("short", path=tmp_path / "k.json")
    assert not (tmp_path / "k.json").exists()


def test_wrong_passphrase_is_a_clear_error_and_changes_nothing(ring):
    keyring.unlock(PASS, path=ring)
    secret = api.system_secret("seal")
    with pytest.raises(WrongPassphrase, match="does not open"):
        keyring.unlock("not the passphrase at all", path=ring)
    assert api.system_secret("seal") == secret  # still the previous state


def test_missing_key_ring_is_a_clear_error(tmp_path):
    with pytest.raises(KeyRingError, match="No key ring"):
        keyring.unlock(PASS, path=tmp_path / "absent.json")


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: "not json at all",
        lambda d: json.dumps({"format": "something else"}),
        lambda d: json.dumps({**d, "version": 99}),
        lambda d: json.dumps({k: v for k, v in d.items() if k != "roots"}),
        lambda d: json.dumps({**d, "kdf": {**d["kdf"], "algorithm": "md5"}}),
        lambda d: json.dumps({**d, "kdf": {**d["kdf"], "salt": "!!!"}}),
        lambda d: json.dumps({**d, "roots": [{"id": "nope"}]}),
        lambda d: json.dumps(
            {
                **d,
                "secrets": {
                    "seal": {"root_id": d["roots"][0]["id"], "wrapped": d["roots"][0]["wrapped"]}
                },
            }
        ),
    ],
)
def test_corrupted_key_ring_is_a_clear_error(ring, corrupt):
    data = json.loads(ring.read_text())
    ring.write_text(corrupt(data))
    with pytest.raises(KeyRingError):
        keyring.unlock(PASS, path=ring)


def test_flipped_root_wrapping_reads_as_wrong_passphrase(ring):
    data = json.loads(ring.read_text())
    wrapped = data["roots"][0]["wrapped"]
    data["roots"][0]["wrapped"] = ("B" if wrapped[5] != "B" else "C").join(
        [wrapped[:5], wrapped[6:]]
    )
    ring.write_text(json.dumps(data))
    with pytest.raises(KeyRingError):
        keyring.unlock(PASS, path=ring)


def test_locked_vault_refuses_secrets(locked_vault):
    assert not keyring.is_unlocked()
    with pytest.raises(VaultLocked):
        api.system_secret("blind-index")
    with pytest.raises(VaultLocked):
        api.seal(b"x", context="t")


def test_change_passphrase_keeps_every_key(ring):
    keyring.unlock(PASS, path=ring)
    secrets_before = {n: api.system_secret(n) for n in keyring.SYSTEM_SECRETS}
    root_before = keyring.active_root()
    keyring.change_passphrase(PASS, "another long passphrase", path=ring)
    with pytest.raises(WrongPassphrase):
        keyring.unlock(PASS, path=ring)
    keyring.unlock("another long passphrase", path=ring)
    assert keyring.active_root() == root_before
    assert {n: api.system_secret(n) for n in keyring.SYSTEM_SECRETS} == secrets_before


def test_root_rotation_keeps_old_root_until_finished(ring):
    keyring.unlock(PASS, path=ring)
    old_id, _ = keyring.active_root()
    seal_secret = api.system_secret("seal")
    new_id = keyring.root_rotation_begin(PASS, path=ring)
    # A crash here: the file still opens both roots.
    keyring.lock()
    keyring.unlock(PASS, path=ring)
    assert set(keyring.root_ids()) == {old_id, new_id}
    assert keyring.active_root()[0] == new_id
    retired = keyring.root_rotation_finish(PASS, path=ring)
    assert retired == [old_id]
    assert keyring.root_ids() == [new_id]
    assert api.system_secret("seal") == seal_secret
    assert str(old_id) not in ring.read_text()


def test_passphrase_file_unlocks_once_and_remembers_failure(ring, tmp_path, settings):
    keyring.lock()
    settings.VAULT_KEYRING_PATH = ring
    settings.VAULT_PASSPHRASE_FILE = str(tmp_path / "wrong")
    (tmp_path / "wrong").write_text("definitely not right\n")
    assert keyring.try_unlock_from_environment() is False
    assert "does not open" in (keyring.last_error() or "")
    (tmp_path / "wrong").write_text(PASS + "\n")
    assert keyring.try_unlock_from_environment() is False  # not retried
    keyring.lock()
    assert keyring.try_unlock_from_environment() is True
