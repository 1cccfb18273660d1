"""The production password hasher, tested directly (tests use a fast one)."""

from __future__ import annotations

from django.contrib.auth.hashers import identify_hasher

from safepassage.accounts.hashers import SafePassageArgon2PasswordHasher


def test_argon2id_with_explicit_parameters() -> None:
    hasher = SafePassageArgon2PasswordHasher()
    encoded = hasher.encode("a long passphrase", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=65536,t=3,p=2$")
    assert hasher.verify("a long passphrase", encoded)
    assert not hasher.verify("a long passphrase!", encoded)
    assert not hasher.must_update(encoded)


def test_weaker_hashes_are_upgraded() -> None:
    hasher = SafePassageArgon2PasswordHasher()
    weaker = SafePassageArgon2PasswordHasher()
    weaker.time_cost = 1
    encoded = weaker.encode("pw", weaker.salt())
    assert hasher.must_update(encoded)


def test_argon2_identifies_its_hashes(settings) -> None:
    settings.PASSWORD_HASHERS = ["safepassage.accounts.hashers.SafePassageArgon2PasswordHasher"]
    hasher = SafePassageArgon2PasswordHasher()
    found = identify_hasher(hasher.encode("x", hasher.salt()))
    assert isinstance(found, SafePassageArgon2PasswordHasher)
