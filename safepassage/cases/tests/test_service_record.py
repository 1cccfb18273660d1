"""The structured service record: unit type and number, batch, rank band.

Staff choose the unit left from the list of known types plus a number;
the values are stored encrypted, audited, and read back coarse for reports.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import UnitFactory, UserFactory, sign_in
from safepassage.audit.models import AuditEvent
from safepassage.cases import services
from safepassage.cases.army_units import (
    RANKS,
    UNIT_TYPES,
    RankBand,
    describe_unit_left,
    rank_band,
    unit_left_value,
)
from safepassage.cases.forms import ServiceRecordForm
from safepassage.cases.models import Case, ServiceRecord
from safepassage.cases.selectors import service_facts_for_reporting
from safepassage.cases.tests.factories import case_create

TODAY = dt.date(2026, 12, 7)


# --- the table of types and ranks ---------------------------------------------


def test_unit_value_is_type_number_and_batch() -> None:
    assert unit_left_value(unit_type="lib", unit_number="345") == {"type": "lib", "number": 345}
    assert unit_left_value(
        unit_type="ib", unit_number="၁၂", batch_number="7", batch_year="2024", today=TODAY
    ) == {"type": "ib", "number": 12, "batch": {"number": 7, "year": 2024}}
    assert unit_left_value(unit_type="rmc") == {"type": "rmc"}
    assert unit_left_value(unit_type="", batch_year="2025", today=TODAY) == {
        "batch": {"year": 2025}
    }
    assert unit_left_value(unit_type=None) is None


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"unit_type": "tank"}, "unit_type", "Choose a unit type from the list."),
        ({"unit_type": "lib", "unit_number": "0"}, "unit_number", "between 1 and 9999"),
        ({"unit_type": "lib", "unit_number": "10000"}, "unit_number", "between 1 and 9999"),
        ({"unit_type": "lib", "unit_number": "-3"}, "unit_number", "whole number"),
        ({"unit_type": "lib", "unit_number": "3.5"}, "unit_number", "whole number"),
        ({"unit_type": "lib", "unit_number": "1e3"}, "unit_number", "whole number"),
        ({"unit_type": "lib", "unit_number": "<script>"}, "unit_number", "whole number"),
        ({"unit_type": "lib", "unit_number": "９９"}, "unit_number", "whole number"),
        ({"unit_type": "lib", "unit_number": True}, "unit_number", "whole number"),
        ({"unit_type": "lib"}, "unit_number", "Give the number"),
        ({"unit_type": "", "unit_number": "12"}, "unit_type", "Choose the type"),
        ({"unit_type": "lib", "unit_number": "1", "batch_number": "1000"}, "batch_number", "999"),
        ({"unit_type": "lib", "unit_number": "1", "batch_year": "2031"}, "batch_year", "2026"),
        ({"unit_type": "lib", "unit_number": "1", "batch_year": "24"}, "batch_year", "1950"),
    ],
)
def test_hostile_unit_values_are_refused_with_a_message(kwargs, field, message) -> None:
    with pytest.raises(ValidationError) as caught:
        unit_left_value(**kwargs, today=TODAY)
    assert message in caught.value.message_dict[field][0]


@settings(max_examples=200, deadline=None)
@given(
    unit_type=st.one_of(
        st.none(), st.text(max_size=12), st.sampled_from([t.code for t in UNIT_TYPES])
    ),
    number=st.one_of(st.none(), st.text(max_size=8), st.integers(-10, 20000)),
    batch=st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 3000)),
)
def test_any_input_is_a_value_or_a_validation_error(unit_type, number, batch) -> None:
    try:
        value = unit_left_value(
            unit_type=unit_type, unit_number=number, batch_year=batch, today=TODAY
        )
    except ValidationError:
        return
    if value is not None:
        assert value.get("type") in {t.code for t in UNIT_TYPES} | {None}
        assert value.get("number") is None or 1 <= value["number"] <= 9999


def test_rank_band_of_army_and_police_ranks() -> None:
    assert rank_band("တပ်သား") == RankBand.PRIVATE
    assert rank_band("ရဲတပ်သား") == RankBand.PRIVATE
    assert rank_band("တပ်ကြပ်ကြီး") == RankBand.NCO
    assert rank_band("ဗိုလ်ကြီး") == RankBand.OFFICER
    assert rank_band("ဒုရဲအုပ်") == RankBand.OFFICER
    assert rank_band("Sergeant") == RankBand.NCO
    assert rank_band("  lance   CORPORAL ") == RankBand.NCO
    assert rank_band("Field marshal of the moon") is None
    assert rank_band(None) is None
    assert len({r.term for r in RANKS}) == len(RANKS)
    assert {r.band for r in RANKS} == {RankBand.PRIVATE, RankBand.NCO, RankBand.OFFICER}


def test_description_reads_like_staff_write_it() -> None:
    assert describe_unit_left({"type": "lib", "number": 345}) == "LIB 345"
    assert (
        describe_unit_left({"type": "ib", "number": 3, "batch": {"number": 5, "year": 2024}})
        == "IB 3 · batch 5 (2024)"
    )
    assert describe_unit_left(None) == ""
    assert describe_unit_left("junk") == ""


def test_form_builds_the_structured_values() -> None:
    form = ServiceRecordForm(
        {
            "category": "soldier",
            "stage": "deployed",
            "rank": "sgt",
            "unit_type": "lib",
            "unit_number": "345",
            "unit_left_text": "ေလးတပ္ခြဲ",  # Zawgyi, converted
            "expected_version": "0",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit_left"] == {"type": "lib", "number": 345}
    assert form.cleaned_data["rank_term"] == "တပ်ကြပ်ကြီး"
    bad = ServiceRecordForm({"unit_type": "tank", "rank": "general", "expected_version": "0"})
    assert not bad.is_valid()
    assert "Choose a unit type from the list." in bad.errors["unit_type"]
    assert "rank" in bad.errors


# --- the service, the page and the reporting selector ---------------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def unit():
    return UnitFactory()


@pytest.fixture
def handler(unit):
    return UserFactory(unit=unit, roles=[Role.UNIT_HANDLER])


@pytest.mark.django_db
def test_service_stores_encrypted_and_audits_field_names(unit, handler) -> None:
    case = case_create(unit=unit)
    services.service_record_save(
        actor=handler,
        case=case,
        category="conscript",
        stage="in_training",
        rank="တပ်သား",
        unit_left={"type": "lib", "number": 345, "batch": {"number": 12, "year": 2024}},
        unit_left_text="",
        expected_version=case.version,
    )
    record = ServiceRecord.objects.get(case=case)
    assert record.unit_left == {"type": "lib", "number": 345, "batch": {"number": 12, "year": 2024}}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unit_left, rank FROM {ServiceRecord._meta.db_table} WHERE id = %s",  # noqa: S608
            [record.pk],
        )
        raw_unit, raw_rank = cursor.fetchone()
    assert b"345" not in bytes(raw_unit)
    assert "lib" not in repr(raw_unit)
    assert "တပ်သား".encode() not in bytes(raw_rank)
    event = AuditEvent.objects.filter(action="cases.service_record_saved").get()
    assert event.details["fields"] == ["category", "rank", "stage", "unit_left"]
    assert "345" not in str(event.details)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "unit_left",
    [
        {"type": "tank", "number": 1},
        {"type": "lib", "number": 0},
        {"type": "lib", "number": 12, "colour": "red"},
        {"type": "lib", "number": "12"},
        {"type": "lib", "number": 12, "batch": "twelve"},
        ["lib", 12],
    ],
)
def test_service_refuses_values_the_form_would_not_make(unit, handler, unit_left) -> None:
    case = case_create(unit=unit)
    with pytest.raises(ValidationError):
        services.service_record_save(
            actor=handler,
            case=case,
            category="",
            stage="",
            rank="",
            unit_left=unit_left,
            unit_left_text="",
        )
    assert not AuditEvent.objects.filter(action="cases.service_record_saved").exists()


@pytest.mark.django_db
def test_service_refuses_unknown_rank_and_other_units_staff(unit, handler) -> None:
    case = case_create(unit=unit)
    with pytest.raises(ValidationError):
        services.service_record_save(
            actor=handler,
            case=case,
            category="",
            stage="",
            rank="king",
            unit_left=None,
            unit_left_text="",
        )
    stranger = UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER])
    with pytest.raises(PermissionDenied):
        services.service_record_save(
            actor=stranger,
            case=case,
            category="",
            stage="",
            rank="",
            unit_left=None,
            unit_left_text="",
        )


@pytest.mark.django_db
def test_page_round_trip_and_hostile_posts(client, unit, handler) -> None:
    sign_in(client, handler)
    case = case_create(unit=unit)
    url = reverse("cases:service_edit", kwargs={"code": case.code})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "category": "soldier",
            "stage": "deployed",
            "rank": "capt",
            "unit_type": "ib",
            "unit_number": "၂၀",
            "batch_number": "",
            "batch_year": "",
            "unit_left_text": "<script>alert(1)</script>",
            "expected_version": case.version,
        },
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.get(case=case)
    assert record.unit_left == {"type": "ib", "number": 20}
    assert record.rank == "ဗိုလ်ကြီး"
    page = client.get(url)
    body = page.content.decode()
    assert 'value="20"' in body
    assert AuditEvent.objects.filter(
        action="cases.viewed", details__purpose="service_edit"
    ).exists()
    detail = client.get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    assert "IB 20" in detail
    assert "<script>alert(1)" not in detail
    version = Case.objects.get(pk=case.pk).version
    for data, message in (
        ({"unit_type": "tank", "unit_number": "1"}, "Choose a unit type from the list."),
        ({"unit_type": "lib", "unit_number": "99999"}, "between 1 and 9999"),
        ({"unit_type": "lib"}, "Give the number"),
        ({"batch_year": "3000"}, "The batch year must be between"),
        ({"rank": "emperor"}, "Select a valid choice"),
    ):
        bad = client.post(url, {**data, "expected_version": version})
        assert bad.status_code == 200, data
        assert message in bad.content.decode(), data
    assert ServiceRecord.objects.get(case=case).unit_left == {"type": "ib", "number": 20}
    stale = client.post(url, {"unit_type": "lib", "unit_number": "1", "expected_version": 0})
    assert stale.status_code == 200
    assert ServiceRecord.objects.get(case=case).unit_left == {"type": "ib", "number": 20}


@pytest.mark.django_db
def test_another_units_case_answers_404(client, unit) -> None:
    case = case_create(unit=unit)
    stranger = UserFactory(unit=UnitFactory(), roles=[Role.UNIT_HANDLER])
    sign_in(client, stranger)
    url = reverse("cases:service_edit", kwargs={"code": case.code})
    assert client.get(url).status_code == 404
    assert client.post(url, {"unit_type": "lib", "unit_number": "1"}).status_code == 404


@pytest.mark.django_db
def test_reporting_selector_gives_coarse_facts_only(unit, handler) -> None:
    first = case_create(unit=unit)
    second = case_create(unit=unit)
    services.service_record_save(
        actor=handler,
        case=first,
        category="police",
        stage="deployed",
        rank="ရဲကြပ်",
        unit_left={"type": "police_bn", "number": 7},
        unit_left_text="secret detail",
    )
    services.service_record_save(
        actor=handler,
        case=second,
        category="conscript",
        stage="in_training",
        rank="",
        unit_left={"batch": {"number": 3, "year": 2024}},
        unit_left_text="",
    )
    facts = service_facts_for_reporting([first.pk, second.pk, 999_999])
    assert set(facts) == {first.pk, second.pk}
    one = facts[first.pk]
    assert (one.category, one.unit_type, one.unit_number, one.rank_band) == (
        "police",
        "police_bn",
        7,
        RankBand.NCO,
    )
    two = facts[second.pk]
    assert (two.unit_type, two.unit_number, two.batch_number, two.batch_year, two.rank_band) == (
        None,
        None,
        3,
        2024,
        None,
    )
    assert "secret detail" not in repr(facts)
    event = AuditEvent.objects.filter(action="cases.service_facts_read").get()
    assert event.details["read"] == 2
    assert service_facts_for_reporting([]) == {}
