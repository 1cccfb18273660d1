"""Case codes: unguessable, easy to read aloud, and checked for typos.

Format ``SP-XXXX-XXXX``: seven random symbols and one check symbol from
Crockford's base-32 alphabet (digits and capitals without I, L, O, U), so
that no two symbols are confused when read aloud or copied by hand. On
input, I and L read as 1, O as 0, lower case and any spaces or dashes are
accepted.

Seven random symbols are 35 bits: with a million cases, a guessed code
is valid with probability 3 x 10^-5, and a code alone opens nothing (a
person resumes with code and passphrase; staff see only their unit's
cases). The check symbol is Luhn mod 32: it catches every single wrong
symbol and every swap of two neighbours except a 0 next to a Z (12 of
the 5,952 possible neighbour swaps; tests/test_codes.py counts them).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_VALUE.update({"O": 0, "I": 1, "L": 1})
PREFIX = "SP"
RANDOM_SYMBOLS = 7
_N = len(ALPHABET)


class InvalidCaseCode(ValueError):
    """Not a case code: wrong length, a symbol outside the alphabet, or a typo."""


def _check_symbol(payload: str) -> str:
    """Luhn mod N over the payload, rightmost symbol doubled first."""
    total = 0
    factor = 2
    for ch in reversed(payload):
        addend = factor * _VALUE[ch]
        total += addend // _N + addend % _N
        factor = 1 if factor == 2 else 2
    return ALPHABET[(_N - total % _N) % _N]


def _format(symbols: str) -> str:
    return f"{PREFIX}-{symbols[:4]}-{symbols[4:]}"


def case_code_generate() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return _format(payload + _check_symbol(payload))


def case_code_normalize(text: str) -> str:
    """The canonical form of a typed code. Raises InvalidCaseCode.

    Accepts ``sp-7k3q-9xwm``, ``SP 7K3Q 9XWM``, ``7K3Q9XWM`` and O/I/L for
    0/1/1; refuses anything whose check symbol does not match.
    """
    if not isinstance(text, str) or len(text) > 40:
        raise InvalidCaseCode("Not a case code.")
    cleaned = "".join(ch for ch in text.upper() if ch not in " -_.\t")
    if cleaned.startswith(PREFIX) and len(cleaned) == len(PREFIX) + RANDOM_SYMBOLS + 1:
        cleaned = cleaned[len(PREFIX) :]
    if len(cleaned) != RANDOM_SYMBOLS + 1:
        raise InvalidCaseCode("A case code has eight letters or digits after SP.")
    try:
        symbols = "".join(ALPHABET[_VALUE[ch]] for ch in cleaned)
    except KeyError:
        raise InvalidCaseCode("A case code uses only digits and the letters A-Z.") from None
    payload, check = symbols[:-1], symbols[-1]
    if _check_symbol(payload) != check:
        raise InvalidCaseCode("This case code has a typo: the check letter does not match.")
    return _format(symbols)
