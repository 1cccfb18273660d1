"""The secret a contact keeps to resume from any channel: a receipt.

A conscript's phone may be searched, so the secret must not look like
one. A receipt is two Myanmar-style mobile numbers ("09 4xx xxx xxx"), to
be saved in the phone's contacts under any name: 16 random digits plus
two random network prefixes, about 57 bits (arithmetic in
docs/intake.md). It is shown once and stored only as a salted Argon2id
hash of an HMAC of it, keyed by a key-ring secret (a pepper): a stolen
database alone does not even allow an offline guess.
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from safepassage.language import digits_to_ascii
from safepassage.vault.api import derive_key

#: Leading digits after "09" of common Myanmar mobile numbers.
PREFIXES = ("4", "5", "7", "9")
RANDOM_DIGITS_PER_NUMBER = 8
NUMBERS = 2
#: Argon2id: 64 MiB, 3 passes, 1 lane (measured cost: docs/intake.md).
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1, hash_len=32)


class ReceiptFormatError(ValueError):
    """Not shaped like a receipt (the message never repeats what was typed)."""


def receipt_generate() -> str:
    """A fresh receipt, e.g. "09 4123 45678 / 09 7987 65432"."""
    numbers = []
    for _ in range(NUMBERS):
        prefix = secrets.choice(PREFIXES)
        digits = "".join(secrets.choice("0123456789") for _ in range(RANDOM_DIGITS_PER_NUMBER))
        numbers.append(f"09 {prefix}{digits[:3]} {digits[3:]}")
    return " / ".join(numbers)


def receipt_normalize(text: str) -> str:
    """The receipt's digits, whatever spacing, Burmese digits or +95 prefix were used."""
    plain = digits_to_ascii(text or "").replace("+959", "09").replace("+95 9", "09")
    digits = "".join(ch for ch in plain if ch.isascii() and ch.isdigit())
    length = NUMBERS * (3 + RANDOM_DIGITS_PER_NUMBER)
    if len(digits) != length or any(
        digits[i : i + 2] != "09" or digits[i + 2] not in PREFIXES
        for i in range(0, length, 3 + RANDOM_DIGITS_PER_NUMBER)
    ):
        raise ReceiptFormatError("That is not a receipt: two numbers of 11 digits, each 09...")
    return digits


def _peppered(digits: str) -> str:
    return hmac.new(derive_key("seal", "intake-receipt"), digits.encode(), sha256).hexdigest()


#: Hex digits of the filter kept beside the hash: 16 bits.
FILTER_HEX = 4


def receipt_filter(receipt: str) -> str:
    """The first `FILTER_HEX` hex digits of an HMAC-SHA-256 of the receipt,
    keyed by a key-ring secret of its own (not the Argon2id pepper): cheap
    to check, so a wrong receipt is refused without Argon2id 65,535 times
    in 65,536. "" for text not shaped like a receipt (matches nothing).

    What it gives away (docs/security.md, "Resuming under a flood"):
    without the key ring, nothing (a keyed hash); with the key ring and
    the database, 16 of the receipt's 57 bits, leaving 2^41 Argon2id
    guesses per receipt."""
    try:
        digits = receipt_normalize(receipt)
    except ReceiptFormatError:
        return ""
    key = derive_key("seal", "intake-receipt-filter")
    return hmac.new(key, digits.encode(), sha256).hexdigest()[:FILTER_HEX]


def receipt_hash(receipt: str) -> str:
    """The encoded Argon2id hash (salt and parameters included) to store."""
    return HASHER.hash(_peppered(receipt_normalize(receipt)))


def receipt_verify(receipt: str, stored: str) -> bool:
    """True when `receipt` is the one hashed in `stored`; False otherwise,
    including for text that is not shaped like a receipt."""
    try:
        return HASHER.verify(stored, _peppered(receipt_normalize(receipt)))
    except (ReceiptFormatError, VerifyMismatchError, VerificationError, InvalidHashError):
        return False
