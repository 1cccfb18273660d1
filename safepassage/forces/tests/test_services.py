"""unit_profile_set and unit_coverage_set: atomic, audited with ids and counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
from safepassage.audit.services import validate_details
from safepassage.forces.models import UnitCoverage, UnitProfile
from safepassage.forces.services import unit_coverage_set, unit_profile_set

from .factories import township

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    """Headquarters': the directory is its routing table."""
    return UserFactory(unit=HeadquartersFactory(), roles=[Role.ADMINISTRATOR])


def test_profile_set_creates_then_changes_and_is_audited(administrator, audit_spy) -> None:
    unit = UnitFactory()
    unit_profile_set(actor=administrator, unit=unit, base_township=township("Bago"))
    event = audit_spy.last("forces.unit_profile_set")
    assert event["target"] == unit
    assert event["unit"] == unit
    assert event["actor"] == administrator
    assert event["details"] == {"has_base_township": True, "created": True, "changed": True}

    unit_profile_set(actor=administrator, unit=unit, base_township=None)
    assert UnitProfile.objects.get(unit=unit).base_township is None
    assert audit_spy.last("forces.unit_profile_set")["details"] == {
        "has_base_township": False,
        "created": False,
        "changed": True,
    }


def test_coverage_set_replaces_the_set_and_audits_counts(administrator, audit_spy) -> None:
    unit = UnitFactory()
    unit_coverage_set(
        actor=administrator, unit=unit, townships=[township("Bago"), township("Thanatpin")]
    )
    result = unit_coverage_set(
        actor=administrator, unit=unit, townships=[township("Thanatpin"), township("Kawa")]
    )
    assert {t.name_en for t in result} == {"Thanatpin", "Kawa"}
    assert [t.pk for t in result] == sorted(t.pk for t in result)
    assert set(
        UnitCoverage.objects.filter(unit=unit).values_list("township__name_en", flat=True)
    ) == {
        "Thanatpin",
        "Kawa",
    }
    assert audit_spy.last("forces.unit_coverage_set")["details"] == {
        "added": 1,
        "removed": 1,
        "total": 2,
    }


def test_coverage_set_with_duplicates_and_empty(administrator) -> None:
    unit = UnitFactory()
    bago = township("Bago")
    unit_coverage_set(actor=administrator, unit=unit, townships=[bago, bago])
    assert UnitCoverage.objects.filter(unit=unit).count() == 1
    unit_coverage_set(actor=administrator, unit=unit, townships=[])
    assert not UnitCoverage.objects.filter(unit=unit).exists()


def test_audit_details_carry_no_names(administrator, audit_spy) -> None:
    unit = UnitFactory(name="Secret Battalion")
    unit_profile_set(actor=administrator, unit=unit, base_township=township("Bago"))
    unit_coverage_set(actor=administrator, unit=unit, townships=[township("Bago")])
    for call in audit_spy.calls:
        validate_details(call["details"])
        assert "Secret" not in repr(call["details"])
        assert "Bago" not in repr(call["details"])


def test_headquarters_is_not_a_reception_unit(administrator, audit_spy) -> None:
    hq = HeadquartersFactory()
    bago = township("Bago")
    with pytest.raises(ValidationError):
        unit_profile_set(actor=administrator, unit=hq, base_township=bago)
    with pytest.raises(ValidationError):
        unit_coverage_set(actor=administrator, unit=hq, townships=[bago])
    assert not UnitProfile.objects.filter(unit=hq).exists()
    assert not UnitCoverage.objects.filter(unit=hq).exists()
    assert audit_spy.calls == []


def test_services_are_keyword_only(administrator) -> None:
    with pytest.raises(TypeError):
        unit_profile_set(administrator, UnitFactory(), None)  # type: ignore[misc]


def test_a_units_administrator_cannot_write_the_directory() -> None:
    """Issue 18 §3: another unit's administrator changes no unit's entry,
    not even its own (it would widen the townships routed to it)."""
    from django.core.exceptions import PermissionDenied

    unit = UnitFactory()
    own = UserFactory(unit=unit, roles=[Role.ADMINISTRATOR])
    with pytest.raises(PermissionDenied):
        unit_profile_set(actor=own, unit=unit, base_township=township("Bago"))
    with pytest.raises(PermissionDenied):
        unit_coverage_set(actor=own, unit=unit, townships=[township("Bago")])
