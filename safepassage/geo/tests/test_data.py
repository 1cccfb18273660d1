"""The data migration loads MIMU v9.6 as shipped in geo/data, and can be undone."""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from safepassage.geo.models import (
    LAT_MAX,
    LAT_MIN,
    LON_MAX,
    LON_MIN,
    CoordSource,
    District,
    State,
    Township,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
UNKNOWN_POINTS = {"MMR015007", "MMR015008"}


def test_migration_loads_every_state_district_and_township() -> None:
    assert State.objects.count() == 18
    assert District.objects.count() == 84
    assert Township.objects.count() == 358


def test_every_district_has_townships_and_every_state_districts() -> None:
    assert not District.objects.filter(townships__isnull=True).exists()
    assert not State.objects.filter(districts__isnull=True).exists()


def test_the_database_matches_the_csv_row_for_row() -> None:
    with (DATA / "townships.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["township_pcode"]: r for r in csv.DictReader(handle)}
    for t in Township.objects.select_related("district"):
        row = rows[t.pcode]
        assert (t.name_en, t.name_my, t.name_my_zawgyi) == (
            row["township_en"],
            row["township_my"],
            row["township_my_zawgyi"],
        )
        assert t.district_id == row["district_pcode"]
        assert t.district.state_id == row["state_pcode"]
        assert t.coord_source == row["coord_source"]


def test_every_point_is_inside_myanmar_or_unknown() -> None:
    for t in Township.objects.all():
        if t.point is None:
            assert t.lat is None
            assert t.lon is None
            continue
        assert LAT_MIN <= t.lat <= LAT_MAX, t.pcode
        assert LON_MIN <= t.lon <= LON_MAX, t.pcode


def test_only_the_two_wa_townships_have_no_point() -> None:
    unknown = set(Township.objects.filter(lat__isnull=True).values_list("pcode", flat=True))
    assert unknown == UNKNOWN_POINTS
    assert (
        set(
            Township.objects.filter(coord_source=CoordSource.UNKNOWN).values_list(
                "pcode", flat=True
            )
        )
        == UNKNOWN_POINTS
    )


def test_the_kokang_seats_were_filled_from_their_ward_points() -> None:
    laukkaing = Township.objects.get(pk="MMR015202")
    chinshwehaw = Township.objects.get(pk="MMR015203")
    assert laukkaing.point == pytest.approx((23.687223, 98.764639))
    assert chinshwehaw.point == pytest.approx((23.475826, 98.823872))
    assert laukkaing.coord_source == CoordSource.SEAT_WARDS_2019_TOWNSHIP


def test_every_township_has_both_names_and_a_zawgyi_spelling() -> None:
    assert not Township.objects.filter(name_en="").exists()
    assert not Township.objects.filter(name_my="").exists()
    assert not Township.objects.filter(name_my_zawgyi="").exists()


@pytest.mark.parametrize(
    ("lat", "lon", "source"),
    [
        (1.0, 96.0, CoordSource.SEAT_WARDS),  # outside Myanmar
        (96.0, 16.0, CoordSource.SEAT_WARDS),  # swapped
        (16.0, None, CoordSource.SEAT_WARDS),  # half a point
        (None, None, CoordSource.SEAT_WARDS),  # unknown point with a source
        (16.8, 96.1, CoordSource.UNKNOWN),  # known point said unknown
    ],
)
def test_constraints_refuse_impossible_points(lat, lon, source) -> None:
    township = Township.objects.get(pk="MMR013008")
    with pytest.raises(IntegrityError), transaction.atomic():
        Township.objects.filter(pk=township.pk).update(lat=lat, lon=lon, coord_source=source)


def test_the_data_migration_is_reversible() -> None:
    migration = importlib.import_module("safepassage.geo.migrations.0002_load_places")
    migration.unload(apps, None)
    assert Township.objects.count() == District.objects.count() == State.objects.count() == 0
    migration.load(apps, None)
    assert (State.objects.count(), District.objects.count(), Township.objects.count()) == (
        18,
        84,
        358,
    )


def test_the_readme_states_source_licence_and_changes() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for needle in ("MIMU", "9.6", "mm-geo-coder", "MIT", "What was changed", "MMR015007"):
        assert needle in readme
