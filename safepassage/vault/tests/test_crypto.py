"""The envelope: round trips, tamper rejection, nonce uniqueness."""

from __future__ import annotations

import random
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safepassage.vault import crypto
from safepassage.vault.exceptions import DecryptionError

KEY = bytes(range(32))
KEY_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
PURPOSE = "field/cases_person/name/6a3f0c1e-0000-4000-8000-000000000000"


@given(st.binary(max_size=4096), st.text(min_size=1, max_size=200))
def test_round_trip_any_plaintext_any_purpose(plaintext, purpose):
    envelope = crypto.encrypt(KEY, KEY_ID, plaintext, purpose)
    assert crypto.decrypt(KEY, envelope, purpose) == plaintext
    assert crypto.envelope_key_id(envelope) == KEY_ID


def test_empty_plaintext_still_authenticated():
    envelope = crypto.encrypt(KEY, KEY_ID, b"", PURPOSE)
    assert len(envelope) == crypto.MIN_ENVELOPE_BYTES
    assert crypto.decrypt(KEY, envelope, PURPOSE) == b""
    with pytest.raises(DecryptionError):
        crypto.decrypt(KEY, envelope[:-1] + bytes([envelope[-1] ^ 1]), PURPOSE)


def _tampered_variants(envelope: bytes, rng: random.Random, other: bytes):
    """Yield (kind, tampered envelope, purpose) cases, all of which must fail."""
    n = len(envelope)
    kind = rng.choice(["flip", "truncate", "extend", "swap", "purpose", "key_id", "splice"])
    if kind == "flip":
        pos, bit = rng.randrange(n), 1 << rng.randrange(8)
        data = bytearray(envelope)
        data[pos] ^= bit
        return kind, bytes(data), PURPOSE
    if kind == "truncate":
        return kind, envelope[: rng.randrange(n)], PURPOSE
    if kind == "extend":
        return kind, envelope + bytes([rng.randrange(256)]), PURPOSE
    if kind == "swap":  # another row's value presented as this row's
        return kind, other, PURPOSE
    if kind == "purpose":  # this value presented for another row/column
        return kind, envelope, PURPOSE + rng.choice(["x", "/1", ""]) + "-moved"
    if kind == "key_id":
        forged = bytes([crypto.VERSION]) + uuid.uuid4().bytes + envelope[17:]
        return kind, forged, PURPOSE
    cut = rng.randrange(1, n - 1)  # splice: head of one, tail of another
    return kind, envelope[:cut] + other[cut:], PURPOSE


def test_ten_thousand_tamperings_are_all_rejected():
    rng = random.Random(20261125)
    other_purpose = PURPOSE.replace("name", "alias")
    counts: dict[str, int] = {}
    for _ in range(10_000):
        plaintext = rng.randbytes(rng.randrange(0, 64))
        envelope = crypto.encrypt(KEY, KEY_ID, plaintext, PURPOSE)
        other = crypto.encrypt(KEY, KEY_ID, plaintext, other_purpose)
        kind, tampered, purpose = _tampered_variants(envelope, rng, other)
        if tampered == envelope and purpose == PURPOSE:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        with pytest.raises(DecryptionError):
            crypto.decrypt(KEY, tampered, purpose)
    assert sum(counts.values()) >= 9_990
    assert set(counts) == {"flip", "truncate", "extend", "swap", "purpose", "key_id", "splice"}


def test_wrong_key_is_rejected():
    envelope = crypto.encrypt(KEY, KEY_ID, b"canary", PURPOSE)
    with pytest.raises(DecryptionError):
        crypto.decrypt(bytes(32), envelope, PURPOSE)


@pytest.mark.slow
def test_no_nonce_repeats_in_a_million_encryptions():
    seen = set()
    for _ in range(1_000_000):
        envelope = crypto.encrypt(KEY, KEY_ID, b"x", PURPOSE)
        seen.add(envelope[17:29])
    assert len(seen) == 1_000_000


def test_non_envelopes_are_refused_before_decryption():
    for junk in (b"", b"\x00" * 100, b"\x02" + bytes(60), b"plain text value"):
        with pytest.raises(DecryptionError):
            crypto.decrypt(KEY, junk, PURPOSE)
