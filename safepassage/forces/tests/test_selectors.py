"""units_near: covering units first, then nearest base, unknown last; HQ and inactive never."""

from __future__ import annotations

import pytest

from safepassage.accounts.models import UnitKind
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory
from safepassage.forces.selectors import unit_coverage_list, unit_profile_get, units_near

from .factories import UnitProfileFactory, reception_unit, township

pytestmark = pytest.mark.django_db


def names(results) -> list[str]:
    return [r.unit.name for r in results]


def test_covering_units_come_first_then_by_distance_then_unknown() -> None:
    reception_unit("Far but covering", "Myitkyina", covers=("Hlaingtharya",))
    reception_unit("Next door", "Hlaing")
    reception_unit("Same township", "Hlaingtharya")
    reception_unit("Mandalay", "Chanayethazan")
    reception_unit("No base", None)
    UnitFactory(name="No profile at all")
    results = units_near(township("Hlaingtharya"), n=10)
    assert names(results) == [
        "Far but covering",
        "Same township",
        "Next door",
        "Mandalay",
        "No base",
        "No profile at all",
    ]
    assert results[0].covers
    assert not any(r.covers for r in results[1:])
    assert results[1].distance_km == 0.0
    assert 0 < results[2].distance_km < 30
    assert 500 < results[3].distance_km < 700
    assert results[4].distance_km is None
    assert results[5].distance_km is None


def test_several_covering_units_are_ordered_by_distance() -> None:
    reception_unit("Covering far", "Myitkyina", covers=("Hlaingtharya",))
    reception_unit("Covering near", "Insein", covers=("Hlaingtharya",))
    reception_unit("Covering unknown base", None, covers=("Hlaingtharya",))
    assert names(units_near(township("Hlaingtharya"))) == [
        "Covering near",
        "Covering far",
        "Covering unknown base",
    ]


def test_headquarters_and_inactive_units_never_appear() -> None:
    hq = HeadquartersFactory()
    UnitProfileFactory(unit=hq)  # even if a profile exists
    reception_unit("Inactive", "Hlaingtharya", covers=("Hlaingtharya",), is_active=False)
    reception_unit("Active", "Bago")
    assert names(units_near(township("Hlaingtharya"))) == ["Active"]


def test_n_limits_the_list() -> None:
    for i in range(7):
        reception_unit(f"Unit {i}", "Bago")
    assert len(units_near(township("Bago"), n=5)) == 5
    assert len(units_near(township("Bago"), n=3)) == 3
    assert units_near(township("Bago"), n=0) == []


def test_a_township_without_a_point_still_ranks_covering_units_first() -> None:
    reception_unit("Covers Pangwaun", "Lashio", covers=("Pangwaun",))
    reception_unit("Alpha", "Lashio")
    reception_unit("Beta", "Muse")
    results = units_near(township("Pangwaun"))
    assert names(results) == ["Covers Pangwaun", "Alpha", "Beta"]
    assert all(r.distance_km is None for r in results)


def test_a_unit_based_in_a_township_without_a_point_is_unknown() -> None:
    reception_unit("Based in Mongmao", "Mongmao")
    reception_unit("Based in Lashio", "Lashio")
    results = units_near(township("Hopang"))
    assert names(results) == ["Based in Lashio", "Based in Mongmao"]
    assert results[1].distance_km is None


def test_every_kind_of_reception_unit_is_listed() -> None:
    for kind in UnitKind:
        if kind is not UnitKind.HEADQUARTERS:
            reception_unit(f"A {kind.value}", "Bago", kind=kind)
    assert len(units_near(township("Bago"), n=20)) == len(UnitKind) - 1


def test_the_query_count_does_not_grow_with_units(django_assert_max_num_queries) -> None:
    for i in range(15):
        reception_unit(f"Unit {i}", "Bago", covers=("Bago",) if i % 2 else ())
    target = township("Bago")
    with django_assert_max_num_queries(3):
        units_near(target, n=15)


def test_profile_and_coverage_readers() -> None:
    unit = reception_unit("Reader", "Bago", covers=("Bago", "Thanatpin"))
    profile = unit_profile_get(unit)
    assert profile is not None
    assert profile.base_township.name_en == "Bago"
    assert [t.name_en for t in unit_coverage_list(unit)] == ["Bago", "Thanatpin"]
    assert unit_profile_get(UnitFactory()) is None
