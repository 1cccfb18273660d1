"""Builders for report tests: cases through the real services, facts set
the way the owning apps keep them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safepassage.accounts.roles import Role
from safepassage.accounts.tests.factories import HeadquartersFactory, UnitFactory, UserFactory
from safepassage.cases.models import Case, ServiceRecord
from safepassage.cases.tests.factories import case_create, person_create
from safepassage.reports.services import reporting_mark_dirty


def analyst(unit) -> object:
    return UserFactory(unit=unit, roles=[Role.ANALYST])


def headquarters():
    return HeadquartersFactory()


def unit(name: str | None = None):
    return UnitFactory(name=name) if name else UnitFactory()


def person_case(
    unit,
    *,
    category: str = "conscript",
    stage: str = "in_training",
    sex: str = "male",
    township: str = "MMR013017",
    birth_year: int = 2001,
    opened: dt.datetime | None = None,
) -> Case:
    """A case with a person and a service record, opened at `opened`."""
    case = case_create(unit=unit)
    person_create(
        case, sex=sex, home_township=township, birth={"precision": "year", "year": birth_year}
    )
    ServiceRecord.objects.filter(case=case).update(category=category, stage=stage)
    if opened is not None:
        Case.objects.filter(pk=case.pk).update(created_at=opened)
    reporting_mark_dirty(case.pk)  # update() sends no signal
    return case


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def publish_all(days_ahead: int = 120):
    """Publish as if `days_ahead` days had passed: every period holding
    the tests' recent cases is closed, so it is published."""
    from safepassage.reports.publication import reports_publish

    return reports_publish(today=timezone.localdate() + dt.timedelta(days=days_ahead))
