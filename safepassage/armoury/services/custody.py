"""Custody moves and physical counts.

`custody_move` is the only writer of `Item.state` and `Item.holder`, and
only along `workflow.CUSTODY_MOVES`; it locks the item's row, so two
moves of one item cannot both start from the same state. A count lists
what was found of each item the unit holds; every difference stays open
for headquarters until resolved (`discrepancy_resolve`), never corrected
in the register. Counts are an armoury list, not case tasks: a case's
task belongs to its unit and headquarters cannot act on it
(`cases.services.task_create` refuses another unit's staff).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.accounts.models import Unit, User
from safepassage.accounts.selectors import unit_headquarters
from safepassage.audit.services import audit_record

from ..models import CountLine, CustodyMove, Item, StockCount
from ..policies import may_record, may_see_alerts
from ..workflow import CUSTODY_FINAL, IN_HAND, CustodyState, custody_move_for

NOTE_MAX = 1000
FOUND_MAX = 1_000_000


@transaction.atomic
def custody_move(
    *, actor: User, item: Item, target: str, to_unit: Unit | None = None, note: str = ""
) -> Item:
    """Move `item` to `target` (and `to_unit` for a transfer to a unit).

    Refuses a move not in the table, a final item, a note missing where
    the move needs one, a transfer to the same or an inactive unit, and
    anyone but a recorder of the holding unit.
    """
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if not may_record(actor, locked.holder_id):
        raise PermissionDenied
    if locked.state in CUSTODY_FINAL:
        raise ValidationError(_("This item is final in the register; it cannot move."))
    step = custody_move_for(locked.state, target, to_unit=to_unit is not None)
    if step is None:
        raise ValidationError(_("This move is not allowed from the item's present state."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("The note is at most 1000 characters."))
    if step.needs_note and not note:
        raise ValidationError(_("Say to whom, how or with which witnesses."))
    new_holder: int | None = locked.holder_id
    if to_unit is not None:
        if not to_unit.is_active or to_unit.pk == locked.holder_id:
            raise ValidationError(_("Choose another active unit."))
        new_holder = to_unit.pk
    elif target == CustodyState.HANDED_TO_HQ:
        hq = unit_headquarters()
        if hq is None:
            raise ValidationError(_("There is no headquarters unit."))
        new_holder = hq.pk
    elif target in CUSTODY_FINAL:
        new_holder = None
    now = timezone.now()
    CustodyMove.objects.create(
        item=locked,
        data_key_id=locked.data_key_id,
        from_state=locked.state,
        to_state=target,
        from_unit_id=locked.holder_id,
        to_unit_id=new_holder,
        actor=actor,
        note=note,
        at=now,
    )
    previous = locked.state
    locked.state = target
    locked.holder_id = new_holder
    locked.save(update_fields=["state", "holder"])
    audit_record(
        actor=actor,
        action="armoury.custody_moved",
        target=locked,
        unit=actor.unit_id,
        details={
            "from_state": previous,
            "to_state": target,
            "to_unit": new_holder,
            "annotated": bool(note),
        },
    )
    item.state, item.holder_id = locked.state, locked.holder_id
    return locked


@transaction.atomic
def count_record(*, actor: User, found: Mapping[int, int]) -> StockCount:
    """A physical count of the actor's unit: `found` maps item ids to what
    was found. An item the unit holds and `found` leaves out counts as
    found 0; an id the unit does not hold is refused."""
    if not may_record(actor, actor.unit_id):
        raise PermissionDenied
    held = {
        i.pk: i
        for i in Item.objects.select_for_update().filter(holder_id=actor.unit_id, state__in=IN_HAND)
    }
    unknown = set(found) - set(held)
    if unknown:
        raise ValidationError(_("The count names items the unit does not hold."))
    for value in found.values():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= FOUND_MAX:
            raise ValidationError(_("Each count is a whole number from 0 to 1,000,000."))
    count = StockCount.objects.create(
        unit_id=actor.unit_id, counted_by=actor, counted_at=timezone.now()
    )
    lines = [
        CountLine(count=count, item=item, expected=item.quantity, found=found.get(pk, 0))
        for pk, item in sorted(held.items())
    ]
    CountLine.objects.bulk_create(lines)
    differences = sum(1 for line in lines if line.found != line.expected)
    audit_record(
        actor=actor,
        action="armoury.counted",
        target=count,
        unit=actor.unit_id,
        details={"items": len(lines), "differences": differences},
    )
    return count


@transaction.atomic
def discrepancy_resolve(*, actor: User, line: CountLine) -> CountLine:
    """Headquarters closes a discrepancy after looking into it."""
    if not may_see_alerts(actor):
        raise PermissionDenied
    locked = CountLine.objects.select_for_update().get(pk=line.pk)
    if locked.found == locked.expected:
        raise ValidationError(_("This line is no discrepancy."))
    if locked.resolved_at is not None:
        raise ValidationError(_("This discrepancy was resolved already."))
    locked.resolved_by = actor
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["resolved_by", "resolved_at"])
    audit_record(
        actor=actor,
        action="armoury.discrepancy_resolved",
        target=locked,
        details={"item": locked.item_id, "count": locked.count_id},
    )
    return locked
