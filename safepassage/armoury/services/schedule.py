"""The reward schedule, kept by headquarters' finance staff.

A version is written once, whole (its rates with it), and never edited:
a change is a new version in force from a time not in the past, so no
reward already earned is repriced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record

from ..models import Condition, Kind, Rate, RateBasis, ScheduleVersion
from ..policies import may_keep_schedule
from ..pricing import AMOUNT_MAX, CURRENCIES

#: A version may start this long before it is saved (the form's clock).
BACKDATE_GRACE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class RateInput:
    kind: Kind
    condition: str
    basis: str
    amount_minor: int


def _check_amount(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= AMOUNT_MAX:
        raise ValidationError(_("Amounts are whole, not negative, and not absurdly large."))


@transaction.atomic
def schedule_version_create(
    *,
    actor: User,
    effective_from: dt.datetime,
    currency: str,
    person_cap_minor: int,
    hq_threshold_minor: int,
    rates: Sequence[RateInput],
) -> ScheduleVersion:
    if not may_keep_schedule(actor):
        raise PermissionDenied
    if timezone.is_naive(effective_from):
        raise ValidationError(_("Give the start with its time zone."))
    if effective_from < timezone.now() - BACKDATE_GRACE:
        raise ValidationError(
            _("A new version cannot start in the past: it would reprice earlier rewards.")
        )
    if currency not in CURRENCIES:
        raise ValidationError(_("Unknown currency."))
    _check_amount(person_cap_minor)
    _check_amount(hq_threshold_minor)
    seen: set[tuple[int, str]] = set()
    for rate in rates:
        _check_amount(rate.amount_minor)
        if rate.condition not in Condition.values or rate.basis not in RateBasis.values:
            raise ValidationError(_("Unknown condition or basis."))
        if (rate.kind.pk, rate.condition) in seen:
            raise ValidationError(_("A kind and condition appear twice."))
        seen.add((rate.kind.pk, rate.condition))
        if rate.basis != RateBasis.ITEM and not rate.kind.is_ammunition:
            raise ValidationError(_("Only ammunition is priced per round or per box."))
        if rate.basis == RateBasis.BOX and not rate.kind.rounds_per_box:
            raise ValidationError(_("This ammunition has no box size in the catalogue."))
    if ScheduleVersion.objects.filter(effective_from=effective_from).exists():
        raise ValidationError(_("Another version starts at that very time."))
    number = (ScheduleVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ScheduleVersion.objects.create(
        number=number,
        effective_from=effective_from,
        currency=currency,
        person_cap_minor=person_cap_minor,
        hq_threshold_minor=hq_threshold_minor,
        created_by=actor,
    )
    Rate.objects.bulk_create(
        Rate(
            version=version,
            kind=r.kind,
            condition=r.condition,
            basis=r.basis,
            amount_minor=r.amount_minor,
        )
        for r in rates
    )
    audit_record(
        actor=actor,
        action="armoury.schedule_created",
        target=version,
        details={"number": number, "rates": len(rates), "currency": currency},
    )
    return version
