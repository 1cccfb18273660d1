"""distance_km: haversine in km, symmetric, zero for one place, None if unknown."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safepassage.geo.distance import distance_km
from safepassage.geo.models import Township

lat = st.floats(min_value=-90, max_value=90, allow_nan=False)
lon = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.tuples(lat, lon)


@given(points, points)
def test_distance_is_symmetric_and_bounded(a, b) -> None:
    d = distance_km(a, b)
    assert d is not None
    assert d == distance_km(b, a)
    assert 0.0 <= d <= math.pi * 6371.0088 + 1e-6


@given(points)
def test_distance_to_itself_is_zero(a) -> None:
    assert distance_km(a, a) == 0.0


@given(points, points, points)
def test_triangle_inequality(a, b, c) -> None:
    ab, bc, ac = distance_km(a, b), distance_km(b, c), distance_km(a, c)
    assert ac <= ab + bc + 1e-6


def test_known_distance_one_degree_of_latitude() -> None:
    assert distance_km((16.0, 96.0), (17.0, 96.0)) == pytest.approx(111.2, abs=0.1)


@pytest.mark.parametrize("other", [None, (float("nan"), 96.0), (16.0, float("inf"))])
def test_unknown_or_invalid_points_give_none(other) -> None:
    assert distance_km((16.0, 96.0), other) is None
    assert distance_km(other, (16.0, 96.0)) is None


@pytest.mark.django_db
def test_yangon_to_mandalay_seat_to_seat() -> None:
    kyauktada = Township.objects.get(name_en="Kyauktada")
    chanayethazan = Township.objects.get(name_en="Chanayethazan")
    assert distance_km(kyauktada, chanayethazan) == pytest.approx(570, abs=30)
    assert distance_km(kyauktada, kyauktada) == 0.0


@pytest.mark.django_db
def test_a_township_without_a_point_gives_none() -> None:
    pangwaun = Township.objects.get(pk="MMR015007")
    lashio = Township.objects.get(name_en="Lashio")
    assert pangwaun.point is None
    assert distance_km(pangwaun, lashio) is None
    assert distance_km(lashio, pangwaun) is None
    assert distance_km(pangwaun, pangwaun) is None
