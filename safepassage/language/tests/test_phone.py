"""normalize_phone: E.164 out, typed errors for the rest."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.language import PhoneNumberError, normalize_phone


@pytest.mark.parametrize(
    "text",
    [
        "09781234567",
        "09 7812 34567",
        "09-781-234-567",
        "09.781.234.567",
        "(09) 781 234 567",
        "+95 9 781 234 567",
        "+959781234567",
        "959781234567",
        "၀၉၇၈၁၂၃၄၅၆၇",
        "၀၉-၇၈၁ ၂၃၄ ၅၆၇",
        " 09781234567 ",
    ],
)
def test_myanmar_mobile_forms(text: str) -> None:
    assert normalize_phone(text) == "+959781234567"


@pytest.mark.parametrize("text", ["+66 81 234 5678", "66812345678", "+66-81-234-5678"])
def test_thai_numbers_are_accepted(text: str) -> None:
    assert normalize_phone(text) == "+66812345678"


def test_other_countries_are_refused_unless_allowed() -> None:
    with pytest.raises(PhoneNumberError) as info:
        normalize_phone("+86 138 0013 8000")
    assert info.value.code == "region"
    assert normalize_phone("+86 138 0013 8000", allowed_regions=None) == "+8613800138000"


@pytest.mark.parametrize(
    "text",
    ["", "09123", "0912345678901234", "09FLOWERS", "+95+9781234567", "abc", "09 781 234 567 x1"],
)
def test_invalid_numbers(text: str) -> None:
    with pytest.raises(PhoneNumberError) as info:
        normalize_phone(text)
    assert info.value.code == "invalid"
    assert "781" not in str(info.value.message)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_hostile_input_raises_only_phone_error(text: str) -> None:
    try:
        e164 = normalize_phone(text, allowed_regions=None)
    except PhoneNumberError:
        return
    assert e164.startswith("+")
    assert normalize_phone(e164, allowed_regions=None) == e164
