"""Every read of the armoury starts from what this user may see.

A unit sees the items it received or holds, and its own claims;
headquarters' finance and screening staff see alerts and discrepancies,
where another unit's case appears by its code only. Cases are loaded
through `cases.selectors.case_get_for_user` by the views, never here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from safepassage.accounts.models import Unit, User
from safepassage.accounts.selectors import staff_active_in_unit, unit_active_get, units_active
from safepassage.cases.models import Case

from .models import (
    AlertStatus,
    Claim,
    ClaimLine,
    CountLine,
    CustodyMove,
    DuplicateSerialAlert,
    Item,
    Kind,
    Rate,
    ScheduleVersion,
    StockCount,
)
from .policies import (
    ARMOURY_ROLES,
    approver_scope,
    at_headquarters,
    holds,
    may_keep_schedule,
    may_see_alerts,
)
from .pricing import Price, price_of
from .services.claims import Computation, claim_compute
from .workflow import IN_HAND, ClaimStatus, custody_moves_from

PAGE = 100


class NotFound(Exception):
    """No such object for this user (absent or another unit's)."""


def items_visible_to(user: Any) -> QuerySet[Item]:
    if not holds(user, ARMOURY_ROLES):
        return Item.objects.none()
    return Item.objects.filter(Q(unit_id=user.unit_id) | Q(holder_id=user.unit_id))


def item_get_for_user(*, user: Any, pk: int) -> Item:
    item = (
        items_visible_to(user)
        .select_related("kind", "case__unit", "data_key__unit_key", "holder")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise NotFound()
    return item


@dataclass(frozen=True)
class ItemRow:
    item: Item
    price: Price | None
    moves: list[Any]


def case_items(*, user: Any, case: Case) -> list[ItemRow]:
    """The items of a case the user may open (the view loaded the case
    through its selector), each with its price and the moves open to it."""
    items = (
        items_visible_to(user)
        .filter(case=case)
        .select_related("kind", "holder", "received_by", "witnessed_by")
        .order_by("pk")
    )
    return [ItemRow(i, price_of(i), custody_moves_from(i.state)) for i in items]


def case_claims(*, user: Any, case: Case) -> list[Claim]:
    if not holds(user, ARMOURY_ROLES) or case.unit_id != user.unit_id:
        return []
    return list(
        Claim.objects.filter(case=case).select_related("proposed_by", "decided_by").order_by("-pk")
    )


def case_computation(*, case: Case) -> Computation:
    return claim_compute(case=case)


_LIST_FIELDS = ("condition", "quantity", "state", "duplicate_of_id", "kind_id", "case_id")


@dataclass(frozen=True)
class Armoury:
    held: list[Item]
    moves_in: list[CustodyMove]
    moves_out: list[CustodyMove]
    counts: list[StockCount]
    total_held: int


def unit_armoury(*, user: Any, before: int | None = None) -> Armoury:
    """What the user's unit holds now (newest first, a page at a time),
    the latest moves in and out, and the latest counts. No decryption."""
    unit_id = user.unit_id
    held_qs = Item.objects.filter(holder_id=unit_id, state__in=[*IN_HAND, "issued"])
    # Only the clear columns the page shows: the encrypted ones stay unread.
    page = (
        held_qs.select_related("kind", "case")
        .only(*_LIST_FIELDS, "kind__name_en", "kind__name_my", "case__code")
        .order_by("-id")
    )
    if before is not None:
        page = page.filter(id__lt=before)
    moves = (
        CustodyMove.objects.select_related("item__kind", "item__case")
        .only(
            "at",
            "to_state",
            "from_unit_id",
            "to_unit_id",
            "item__kind__name_en",
            "item__case__code",
        )
        .order_by("-at", "-id")
    )
    return Armoury(
        held=list(page[:PAGE]),
        moves_in=list(moves.filter(to_unit_id=unit_id).exclude(from_unit_id=unit_id)[:20]),
        moves_out=list(moves.filter(from_unit_id=unit_id).exclude(to_unit_id=unit_id)[:20]),
        counts=list(StockCount.objects.filter(unit_id=unit_id)[:5]),
        total_held=held_qs.count(),
    )


def count_items(*, user: Any) -> list[Item]:
    """The items a count of the user's unit lists."""
    return list(
        Item.objects.filter(holder_id=user.unit_id, state__in=IN_HAND)
        .select_related("kind", "case")
        .order_by("kind__code", "pk")
    )


def approval_queue(*, user: Any) -> list[Claim]:
    """Proposed claims this approver may decide (not their own)."""
    if not holds(user, frozenset({"reward_approver"})):
        return []
    claims = Claim.objects.filter(status=ClaimStatus.PROPOSED).exclude(proposed_by=user)
    if not at_headquarters(user):
        claims = claims.filter(unit_id=user.unit_id, needs_hq=False)
    rows = claims.select_related("case", "unit", "proposed_by").order_by("proposed_at")[:200]
    return [c for c in rows if approver_scope(user, c.unit_id, c.needs_hq)]


def claims_to_pay(*, user: Any) -> list[Claim]:
    if not holds(user, frozenset({"reward_officer"})):
        return []
    return list(
        Claim.objects.filter(unit_id=user.unit_id, status=ClaimStatus.APPROVED)
        .select_related("case")
        .order_by("decided_at")[:200]
    )


def claim_get_for_user(*, user: Any, pk: int) -> Claim:
    """A claim of the user's unit, or any claim for headquarters' finance."""
    claim = Claim.objects.select_related("case__unit", "unit", "data_key__unit_key").filter(pk=pk)
    found = claim.first()
    if found is None:
        raise NotFound()
    if found.unit_id == user.unit_id and holds(user, ARMOURY_ROLES):
        return found
    if may_keep_schedule(user):
        return found
    raise NotFound()


def claim_lines(*, claim: Claim) -> list[ClaimLine]:
    return list(ClaimLine.objects.filter(claim=claim).select_related("item__kind", "schedule"))


@dataclass(frozen=True)
class AlertRow:
    """A duplicate-serial alert as headquarters sees it: codes, units and
    kinds, never a name or the serial."""

    alert: DuplicateSerialAlert
    new_code: str
    new_unit: str
    earlier_code: str
    earlier_unit: str
    kind: str


def duplicate_alerts(*, user: Any, status: str = AlertStatus.OPEN) -> list[AlertRow]:
    if not may_see_alerts(user):
        return []
    alerts = DuplicateSerialAlert.objects.filter(status=status).select_related(
        "item__case__unit", "item__kind", "earlier__case__unit"
    )[:500]
    return [
        AlertRow(
            alert=a,
            new_code=a.item.case.code,
            new_unit=a.item.case.unit.name,
            earlier_code=a.earlier.case.code,
            earlier_unit=a.earlier.case.unit.name,
            kind=a.item.kind.name_en,
        )
        for a in alerts
    ]


def alert_get_for_user(*, user: Any, pk: int) -> DuplicateSerialAlert:
    alert = DuplicateSerialAlert.objects.filter(pk=pk).first() if may_see_alerts(user) else None
    if alert is None:
        raise NotFound()
    return alert


def discrepancies_open(*, user: Any) -> list[CountLine]:
    if not may_see_alerts(user):
        return []
    return list(
        CountLine.objects.filter(resolved_at__isnull=True)
        .exclude(found=F("expected"))
        .select_related("count__unit", "item__kind", "item__case")
        .order_by("count__counted_at")[:500]
    )


def discrepancy_get_for_user(*, user: Any, pk: int) -> CountLine:
    line = CountLine.objects.filter(pk=pk).first() if may_see_alerts(user) else None
    if line is None:
        raise NotFound()
    return line


def schedule_versions() -> list[ScheduleVersion]:
    return list(ScheduleVersion.objects.all()[:50])


def schedule_rates(*, version: ScheduleVersion) -> list[Rate]:
    return list(Rate.objects.filter(version=version).select_related("kind").order_by("kind__code"))


def catalogue() -> list[Kind]:
    return list(Kind.objects.filter(active=True).order_by("category", "code"))


def export_items(*, user: Any) -> QuerySet[Item]:
    """Items for an auditor's export: every unit's for headquarters'
    finance staff, the unit's own otherwise."""
    items = Item.objects.select_related("case", "unit", "holder", "kind").order_by("pk")
    return items if may_keep_schedule(user) else items.filter(unit_id=user.unit_id)


def export_claims(*, user: Any) -> QuerySet[Claim]:
    claims = Claim.objects.select_related("case", "unit", "proposed_by", "decided_by")
    claims = claims.order_by("pk")
    return claims if may_keep_schedule(user) else claims.filter(unit_id=user.unit_id)


def transfer_units(*, user: Any) -> QuerySet[Unit]:
    """Active units an item may be transferred to from the user's unit."""
    return units_active(exclude_id=user.unit_id)


def transfer_unit(*, pk: int) -> Unit | None:
    return unit_active_get(pk)


def unit_colleagues(*, unit_id: int, user: Any) -> QuerySet[User]:
    """Active members of a unit other than `user`: witnesses to choose from."""
    return staff_active_in_unit(unit_id).exclude(pk=user.pk)


def refused_target(*, model: type[Claim] | type[Item], pk: int) -> Claim | Item | None:
    """The existing object a refused look-up named (for the audit), or None."""
    return model.objects.filter(pk=pk).only("pk", "unit_id").first()
