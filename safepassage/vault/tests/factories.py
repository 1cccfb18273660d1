import datetime as dt

import factory

from safepassage.vault.tests.probe.models import Probe


class ProbeFactory(factory.django.DjangoModelFactory[Probe]):
    class Meta:
        model = Probe

    text = factory.Sequence(lambda n: f"မောင်စမ်း {n}")
    born = dt.date(1999, 4, 1)
    extra = factory.LazyFunction(lambda: {"aliases": ["Ko Sam"], "height_cm": 170})
    phone = "+959420000001"
