"""PersonForm: the input boundary. Hostile and malformed input gets clear errors."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.cases.forms import PersonForm


def form(**data):
    data.setdefault("expected_version", "0")
    return PersonForm(data=data)


def test_zawgyi_names_are_stored_as_unicode():
    f = form(name_my="ေမာင္ေဇာ္", father_name="ဦးဘသန္း")
    assert f.is_valid(), f.errors
    assert f.cleaned_data["name_my"] == "မောင်ဇော်"


def test_nrc_and_phones_become_canonical():
    f = form(nrc="12/MaYaKa(N) ၁၂၃၄၅၆", phones="09 420 000 123\n+959420000123\n+66 81 234 5678")
    assert f.is_valid(), f.errors
    assert f.cleaned_data["nrc"] == "12/မရက(နိုင်)123456"
    assert f.cleaned_data["phones"] == ["+959420000123", "+66812345678"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"nrc": "99/XYZ(N)123"}, "nrc"),
        ({"phones": "not a phone"}, "phones"),
        ({"phones": "\n".join(f"0942000{i:04d}" for i in range(6))}, "phones"),
        ({"birth_precision": "day", "birth_date": "1990-02-31"}, "birth_date"),
        ({"birth_precision": "day", "birth_date": "31-02-1990"}, "birth_date"),
        ({"birth_precision": "day", "birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_precision": "year", "birth_year": "19x0"}, "birth_year"),
        ({"birth_precision": "year", "birth_year": "1850"}, "birth_year"),
        ({"birth_date": "1990-01-01"}, "birth_precision"),
        ({"birth_precision": "sometime"}, "birth_precision"),
        ({"sex": "robot"}, "sex"),
        ({"name_my": "x" * 201}, "name_my"),
    ],
)
def test_bad_input_gets_a_clear_error_on_its_field(data, field):
    f = form(**data)
    assert not f.is_valid()
    assert field in f.errors


def test_burmese_digits_in_dates_and_years():
    f = form(birth_precision="day", birth_date="၁၉၉၉-၀၄-၀၁")
    assert f.is_valid(), f.errors
    assert f.cleaned_data["birth"] == {"precision": "day", "date": "1999-04-01"}
    f = form(birth_precision="approximate", birth_year="၂၀၀၁")
    assert f.is_valid(), f.errors
    assert f.cleaned_data["birth"] == {"precision": "approximate", "year": 2001}


@pytest.mark.django_db  # the township field reads the township index (built from the database)
@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "honorific",
                "name_my",
                "name_latin",
                "aliases",
                "sex",
                "birth_precision",
                "birth_date",
                "birth_year",
                "father_name",
                "nrc",
                "phones",
                "home_township",
                "expected_version",
            ]
        ),
        st.text(max_size=300),
    )
)
def test_hostile_input_never_raises(data):
    f = PersonForm(data=data)
    f.is_valid()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "pcode"),
    [
        ("Myitkyina", "MMR001001"),
        ("myit kyi na", "MMR001001"),
        ("မြစ်ကြီးနား", "MMR001001"),
        ("ျမစ္ႀကီးနား", "MMR001001"),
        ("MMR001001", "MMR001001"),
        # As a picked suggestion writes it: the place code decides.
        ("Myitkyina (MMR001001)", "MMR001001"),
        ("Hlaingtharya (East) (MMR013046)", "MMR013046"),
        ("anything at all (mmr001001) ", "MMR001001"),
    ],
)
def test_home_township_resolves_to_a_place_code(typed, pcode):
    f = form(home_township=typed)
    assert f.is_valid(), f.errors
    assert f.cleaned_data["home_township"] == pcode


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Atlantis Township", "Myitkyina (MMR999999)"])
def test_unknown_township_is_a_clear_error(typed):
    f = form(home_township=typed)
    assert not f.is_valid()
    assert f.errors["home_township"] == ["No township of that name is known."]
