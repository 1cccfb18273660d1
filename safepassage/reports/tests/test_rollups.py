"""The contribution of one case: bands only, hostile values counted as
unknown, weeks and months both written."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from safepassage.reports import rollups


def _case(**fields):
    base = {
        "unit_id": 7,
        "opened_at": dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC),
        "reached": {},
        "sex": "female",
        "birth_year": 1999,
        "home_township": "MMR013017",
        "category": "conscript",
        "stage": "deployed",
    }
    base.update(fields)
    return SimpleNamespace(**base)


def test_a_case_counts_once_per_cube_in_a_week_and_in_a_month():
    cells = rollups.contribution(rollups.Sources(case=_case()))
    origin = [c for c in cells if c.startswith("origin|")]
    assert sorted(origin) == [
        "origin|month|2026-03-01|7|region=MMR013|category=conscript",
        "origin|week|2026-03-02|7|region=MMR013|category=conscript",
    ]
    assert "age_sex|month|2026-03-01|7|age=25-29|sex=female" in cells


def test_the_flow_counts_each_stage_reached_and_the_days_before_it():
    reached = {
        "planning": dt.datetime(2026, 3, 6, tzinfo=dt.UTC),
        "received": dt.datetime(2026, 3, 14, tzinfo=dt.UTC),
    }
    cells = rollups.contribution(rollups.Sources(case=_case(reached=reached)))
    assert "flow|month|2026-03-01|7|stage=received" in cells
    assert "flow_days|month|2026-03-01|7|stage=received|days=8" in cells
    assert "flow_days|month|2026-03-01|7|stage=handed_over|days=2" in cells


@given(
    township=st.text(max_size=30),
    sex=st.text(max_size=20),
    category=st.text(max_size=20),
    year=st.one_of(st.none(), st.integers(), st.text(max_size=6)),
)
def test_hostile_values_never_reach_a_clear_key(township, sex, category, year):
    case = _case(home_township=township, sex=sex, category=category, birth_year=year)
    service = SimpleNamespace(
        unit_type=township, unit_number=sex, rank_band=category, batch_year=year
    )
    item = SimpleNamespace(
        category=category, calibre=township, quantity=1, received_at=case.opened_at
    )
    cells = rollups.contribution(rollups.Sources(case=case, service=service, items=[item]))
    for cell in cells:
        *_head, key = cell.split("|", 4)
        for part in key.split("|"):
            _name, value = part.split("=")
            assert value == "unknown" or (
                value.isascii() and len(value) <= 40 and "<" not in value
            ), cell
        if "township=" in key and not key.endswith("unknown"):
            assert township.strip().upper().startswith("MMR")


def test_a_canary_in_any_field_is_counted_as_unknown():
    canary = "CANARY-7f3a9c"
    cells = rollups.contribution(
        rollups.Sources(
            case=_case(home_township=canary, sex=canary, category=canary, stage=canary),
            service=SimpleNamespace(
                unit_type=canary, unit_number=canary, rank_band=canary, batch_year=canary
            ),
        )
    )
    assert not any(canary.lower() in c.lower() for c in cells)


def test_difference_is_new_minus_old_without_zeros():
    assert rollups.difference({"a": 1, "b": 2}, {"b": 2, "c": 1}) == {"a": -1, "c": 1}
