"""Load MIMU v9.6 states, districts and townships from `geo/data/*.csv`.

Provenance and changes in `geo/data/README.md`. Reversible: unloading
deletes the rows (it fails, as it should, while anything still refers to a
township). Later corrections come as new migrations, not CSV edits alone.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _rows(name):
    with (DATA_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _float_or_none(value):
    return float(value) if value.strip() else None


def load(apps, schema_editor):
    State = apps.get_model("geo", "State")
    District = apps.get_model("geo", "District")
    Township = apps.get_model("geo", "Township")
    State.objects.bulk_create(
        State(pcode=r["state_pcode"], name_en=r["state_en"], name_my=r["state_my"])
        for r in _rows("states")
    )
    District.objects.bulk_create(
        District(
            pcode=r["district_pcode"],
            state_id=r["state_pcode"],
            name_en=r["district_en"],
            name_my=r["district_my"],
        )
        for r in _rows("districts")
    )
    Township.objects.bulk_create(
        Township(
            pcode=r["township_pcode"],
            district_id=r["district_pcode"],
            name_en=r["township_en"],
            name_my=r["township_my"],
            name_my_zawgyi=r["township_my_zawgyi"],
            seat_en=r["seat_town_en"],
            seat_my=r["seat_town_my"],
            lat=_float_or_none(r["lat"]),
            lon=_float_or_none(r["lon"]),
            coord_source=r["coord_source"],
        )
        for r in _rows("townships")
    )


def unload(apps, schema_editor):
    for model in ("Township", "District", "State"):
        apps.get_model("geo", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]

    operations = [migrations.RunPython(load, unload, elidable=False)]
