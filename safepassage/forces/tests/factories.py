"""Factories for the unit directory. Townships come from the loaded MIMU data."""

from __future__ import annotations

import factory

from safepassage.accounts.tests.factories import UnitFactory
from safepassage.forces.models import UnitCoverage, UnitProfile
from safepassage.geo.models import Township


def township(name_en: str) -> Township:
    return Township.objects.get(name_en=name_en)


class UnitProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitProfile

    unit = factory.SubFactory(UnitFactory)
    base_township = factory.LazyFunction(lambda: township("Hlaingtharya"))


class UnitCoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitCoverage

    unit = factory.SubFactory(UnitFactory)
    township = factory.LazyFunction(lambda: township("Hlaingtharya"))


def reception_unit(name: str, base: str | None, *, covers: tuple[str, ...] = (), **unit: object):
    """A unit based in township `base` (English name) covering `covers`."""
    created = UnitFactory(name=name, **unit)
    UnitProfileFactory(unit=created, base_township=township(base) if base else None)
    for name_en in covers:
        UnitCoverageFactory(unit=created, township=township(name_en))
    return created
