"""Receipts: shaped like phone numbers, random, hashed with a pepper, verified tolerantly."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.intake.receipts import (
    ReceiptFormatError,
    receipt_generate,
    receipt_hash,
    receipt_normalize,
    receipt_verify,
)
from safepassage.language import digits_to_myanmar

SHAPE = re.compile(r"09 [4579]\d{3} \d{5} / 09 [4579]\d{3} \d{5}")


def test_receipts_look_like_two_phone_numbers_and_do_not_repeat():
    receipts = {receipt_generate() for _ in range(2000)}
    assert len(receipts) == 2000
    assert all(SHAPE.fullmatch(r) for r in receipts)


def test_each_random_digit_position_takes_every_value():
    digits = [receipt_normalize(receipt_generate()) for _ in range(2000)]
    for position in [*range(3, 11), *range(14, 22)]:
        assert {d[position] for d in digits} == set("0123456789"), position


def test_a_receipt_verifies_however_it_is_typed():
    receipt = receipt_generate()
    stored = receipt_hash(receipt)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    digits = receipt_normalize(receipt)
    for typed in (
        receipt,
        digits,
        digits_to_myanmar(receipt),
        receipt.replace(" ", "-"),
        "+95 9" + receipt[3:],
        f"  {receipt}\n",
    ):
        assert receipt_verify(typed, stored), typed


def test_another_receipt_or_garbage_does_not_verify():
    stored = receipt_hash(receipt_generate())
    assert not receipt_verify(receipt_generate(), stored)
    for typed in ("", "09", "not a receipt", "0" * 22, "09 1234 56789 / 09 1234 56789"):
        assert not receipt_verify(typed, stored)
    assert not receipt_verify(receipt_generate(), "not a hash")


def test_the_same_receipt_hashes_differently_each_time():
    receipt = receipt_generate()
    assert receipt_hash(receipt) != receipt_hash(receipt)


def test_the_hash_needs_the_key_ring(locked_vault):
    from safepassage.vault.exceptions import VaultLocked

    with pytest.raises(VaultLocked):
        receipt_hash("09 4123 45678 / 09 7987 65432")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_normalised_or_refused(text):
    try:
        digits = receipt_normalize(text)
    except ReceiptFormatError:
        return
    assert len(digits) == 22


def test_a_refusal_never_repeats_what_was_typed():
    with pytest.raises(ReceiptFormatError) as caught:
        receipt_normalize("my secret 0912345")
    assert "0912345" not in str(caught.value)
    assert "secret" not in str(caught.value)
