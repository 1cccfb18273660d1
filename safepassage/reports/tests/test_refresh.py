"""Refresh: the receivers mark changed cases, the refresh counts them,
and the incremental cubes always equal a full rebuild."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.cases.models import Person, ServiceRecord
from safepassage.reports import services
from safepassage.reports.models import ReportCell, ReportContribution, ReportState

from .factories import days_ago, person_case, unit

pytestmark = pytest.mark.django_db


def _cubes() -> dict[tuple, int]:
    return {
        (c.cube, c.period_kind, c.period_start, c.unit_id, c.key): c.count
        for c in ReportCell.objects.all()
    }


def test_a_new_case_is_marked_and_counted_by_the_refresh():
    place = unit()
    case = person_case(place, township="MMR013017", opened=days_ago(3))
    assert ReportContribution.objects.get(case_id=case.pk).dirty
    assert services.reports_refresh() == 1
    mark = ReportContribution.objects.get(case_id=case.pk)
    assert not mark.dirty
    origin = ReportCell.objects.filter(cube="origin", period_kind="month", unit=place)
    assert [(c.key, c.count) for c in origin] == [("region=MMR013|category=conscript", 1)]
    assert ReportState.objects.get(pk=1).refreshed_at is not None


def test_a_changed_person_moves_between_cells_without_a_rescan():
    place = unit()
    case = person_case(place, township="MMR013017")
    services.reports_refresh()
    person = Person.objects.get(case=case)
    person.home_township = "MMR014001"
    person.save()  # the receiver marks the case
    assert ReportContribution.objects.get(case_id=case.pk).dirty
    assert services.reports_refresh() == 1
    keys = set(ReportCell.objects.filter(cube="origin", unit=place).values_list("key", flat=True))
    assert keys == {"region=MMR014|category=conscript"}


def test_a_deleted_case_is_subtracted():
    place = unit()
    case = person_case(place)
    services.reports_refresh()
    assert ReportCell.objects.filter(unit=place).exists()
    case.delete()  # the receiver marks it; its facts are gone
    assert services.reports_refresh() == 1
    assert not ReportCell.objects.filter(unit=place).exists()


OPS = st.lists(
    st.tuples(
        st.sampled_from(["new", "township", "category", "sex", "touch", "refresh"]),
        st.integers(min_value=0, max_value=50),
        st.sampled_from(["MMR013017", "MMR014001", "MMR010001", "", "nonsense"]),
        st.sampled_from(["conscript", "soldier", "police", "other", ""]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_incremental_refresh_equals_a_full_rebuild(ops):
    places = [unit(), unit()]
    cases = [person_case(places[0]), person_case(places[1], township="MMR014001")]
    for op, n, township, category in ops:
        case = cases[n % len(cases)]
        if op == "new":
            cases.append(
                person_case(
                    places[n % 2], township=township, category=category, opened=days_ago(n * 9)
                )
            )
        elif op == "township":
            person = Person.objects.get(case=case)
            person.home_township = township
            person.save()
        elif op == "category":
            record = ServiceRecord.objects.get(case=case)
            record.category = category
            record.save()
        elif op == "sex":
            person = Person.objects.get(case=case)
            person.sex = "female" if n % 2 else "male"
            person.save()
        elif op == "touch":
            services.reporting_mark_dirty(case.pk)
        else:
            services.reports_refresh(batch=3)
    services.reports_refresh(batch=4)
    incremental = _cubes()
    assert not ReportContribution.objects.filter(dirty=True).exists()
    services.reports_rebuild()
    assert _cubes() == incremental


def test_grievances_are_counted_per_unit_concerned_by_month():
    from safepassage.grievances import services as grievance_services
    from safepassage.grievances.tests.factories import world

    w = world()
    for kind in ("abuse", "threat", "threat"):
        grievance_services.grievance_submit(
            code=w.contact.code,
            receipt=w.receipt,
            kind=kind,
            body="Invented complaint.",
            channel="web",
            source="web:198.51.100.7",
        )
    services.reports_refresh()
    cells = {
        (c.unit_id, c.period_kind, c.key): c.count
        for c in ReportCell.objects.filter(cube="grievances")
    }
    assert cells == {
        (w.unit.pk, "month", "kind=abuse"): 1,
        (w.unit.pk, "month", "kind=threat"): 2,
    }
