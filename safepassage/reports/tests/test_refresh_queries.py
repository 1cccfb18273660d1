"""The refresh's queries do not grow with the number of changed cases
(no query per case for its key or its unit): a refresh of 1,000 changed
cases must stay within seconds (issue 22 §4)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safepassage.cases.models import Person
from safepassage.reports import services

from .factories import days_ago, person_case, unit

pytestmark = pytest.mark.django_db


def _refresh_queries(cases: int) -> int:
    places = [unit(), unit()]
    made = [
        person_case(places[n % 2], township="MMR013017", opened=days_ago(3)) for n in range(cases)
    ]
    services.reports_refresh()
    for person in Person.objects.filter(case__in=made):
        person.home_township = "MMR014001"
        person.save()
    with CaptureQueriesContext(connection) as queries:
        assert services.reports_refresh() == cases
    return len(queries.captured_queries)


def test_a_refresh_of_more_cases_makes_no_more_reads_per_case():
    few = _refresh_queries(2)
    many = _refresh_queries(8)
    # The marks are saved one by one (one UPDATE each); nothing else may
    # grow with the cases: not the keys, not the cases binding them.
    assert many - few <= 8 - 2
