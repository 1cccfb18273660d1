"""Pricing an item by the schedule in force when it was received.

Pure apart from reading the schedule: `rate_for` finds the version in
force at `received_at` (the latest whose `effective_from` is not after
it) and that version's row for the item's kind and condition. No row:
the item has no price, and a claim including it is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .models import Item, Kind, Rate, RateBasis, ScheduleVersion

#: Minor-unit exponents of the currencies the schedule accepts. The kyat is
#: used without its minor unit, as the ledger keeps it (1 MMK = 1 unit).
CURRENCIES: dict[str, int] = {"MMK": 0, "THB": 2, "USD": 2, "CNY": 2, "INR": 2}
#: Largest amount (minor units) anywhere in the schedule or a claim.
AMOUNT_MAX = 10**13


@dataclass(frozen=True)
class Price:
    version: ScheduleVersion
    basis: str
    units: int
    rate_minor: int

    @property
    def amount_minor(self) -> int:
        return self.units * self.rate_minor


def version_in_force(at: dt.datetime) -> ScheduleVersion | None:
    return (
        ScheduleVersion.objects.filter(effective_from__lte=at).order_by("-effective_from").first()
    )


def units_for(kind: Kind, basis: str, quantity: int) -> int:
    """How many priced units `quantity` makes: the item, each round, or
    each full box (loose rounds earn nothing on a box rate)."""
    if basis == RateBasis.ROUND:
        return quantity
    if basis == RateBasis.BOX:
        return quantity // kind.rounds_per_box if kind.rounds_per_box else 0
    return quantity


def price_of(item: Item) -> Price | None:
    """The item's price, or None when the schedule has no row for it."""
    version = version_in_force(item.received_at)
    if version is None:
        return None
    rate = Rate.objects.filter(
        version=version, kind_id=item.kind_id, condition=item.condition
    ).first()
    if rate is None:
        return None
    return Price(
        version=version,
        basis=rate.basis,
        units=units_for(item.kind, rate.basis, item.quantity),
        rate_minor=rate.amount_minor,
    )


def to_minor(amount: Decimal, currency: str) -> int:
    """A Decimal in major units (a form's value) as whole minor units.
    Raises ValueError for fractions of a minor unit or an unknown currency."""
    exponent = CURRENCIES[currency]
    scaled = amount * (10**exponent)
    if scaled != scaled.to_integral_value():
        raise ValueError("fraction of a minor unit")
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    exponent = CURRENCIES.get(currency, 2)
    value: Decimal = (Decimal(minor) / (10**exponent)).quantize(Decimal(1).scaleb(-exponent))
    return value
