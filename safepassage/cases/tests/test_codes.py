"""Case codes: format, typo detection, tolerant input."""

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safepassage.cases.codes import (
    ALPHABET,
    InvalidCaseCode,
    _check_symbol,
    case_code_generate,
    case_code_normalize,
)

SHAPE = re.compile(r"^SP-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_generated_codes_have_the_shape_and_validate():
    codes = {case_code_generate() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert SHAPE.match(code)
        assert case_code_normalize(code) == code


def test_tolerant_input_forms():
    code = case_code_generate()
    body = code[3:].replace("-", "")
    for typed in (code.lower(), f"sp {body[:4]} {body[4:]}", body, f" {code} "):
        assert case_code_normalize(typed) == code
    assert case_code_normalize("SP-0000-000" + _check_symbol("0000000")) == case_code_normalize(
        "sp-oooo-ooo" + _check_symbol("0000000").lower()
    )


def test_every_single_symbol_typo_is_caught():
    code = case_code_generate()
    symbols = code.replace("SP-", "").replace("-", "")
    for pos, wrong in itertools.product(range(8), ALPHABET):
        if wrong == symbols[pos]:
            continue
        typo = symbols[:pos] + wrong + symbols[pos + 1 :]
        with pytest.raises(InvalidCaseCode):
            case_code_normalize(typo)


def test_neighbour_swaps_are_caught_except_zero_and_z():
    missed = 0
    for a, b in itertools.permutations(ALPHABET, 2):
        payload = a + b + "12345"
        swapped = b + a + "12345"
        if _check_symbol(payload) == _check_symbol(swapped):
            missed += 1
            assert {a, b} == {"0", "Z"}
    assert missed == 2


@given(st.text(max_size=60))
def test_hostile_input_raises_only_invalid_case_code(text):
    try:
        result = case_code_normalize(text)
    except InvalidCaseCode:
        return
    assert SHAPE.match(result)
