"""Form fields normalise at the boundary and fail with translatable errors."""

from __future__ import annotations

import pytest
from django import forms

from safepassage.language.fields import BurmeseCharField, NRCField, PhoneNumberField


class PersonForm(forms.Form):
    name = BurmeseCharField(max_length=50)
    nrc = NRCField(required=False)
    phone = PhoneNumberField(required=False)


def test_clean_values_are_canonical() -> None:
    form = PersonForm(data={"name": "ေအာင္ေက်ာ္", "nrc": "12/MYK(N)123456", "phone": "09 7812 34567"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "name": "အောင်ကျော်",
        "nrc": "12/မရက(နိုင်)123456",
        "phone": "+959781234567",
    }


def test_optional_fields_stay_empty() -> None:
    form = PersonForm(data={"name": "Aung", "nrc": "", "phone": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["nrc"] == ""
    assert form.cleaned_data["phone"] == ""


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("nrc", "12/MYK(N)12345", "number"),
        ("nrc", "1/MaYaKa(N)123456", "township"),
        ("phone", "09123", "invalid"),
        ("phone", "+86 138 0013 8000", "region"),
    ],
)
def test_errors_carry_code_and_never_the_input(field: str, value: str, code: str) -> None:
    form = PersonForm(data={"name": "Aung", field: value})
    assert not form.is_valid()
    error = form.errors.as_data()[field][0]
    assert error.code == code
    assert value not in " ".join(form.errors[field])


def test_whitespace_only_name_is_required_error() -> None:
    form = PersonForm(data={"name": " \u200b "})
    assert not form.is_valid()
    assert form.errors.as_data()["name"][0].code == "required"
