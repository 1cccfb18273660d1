"""Custody moves along the table, counts and their discrepancies."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safepassage.armoury.models import CountLine, CustodyMove
from safepassage.armoury.services import count_record, custody_move, discrepancy_resolve
from safepassage.armoury.tests.factories import record
from safepassage.armoury.workflow import CUSTODY_MOVES, CustodyState, custody_move_for

pytestmark = pytest.mark.django_db


def test_every_pair_outside_the_table_is_refused(world):
    item = record(world.case, world.handler, world.witness)
    for source in CustodyState:
        for target in CustodyState:
            if custody_move_for(source, target, to_unit=False) is not None:
                continue
            type(item).objects.filter(pk=item.pk).update(state=source, holder=world.unit)
            item.refresh_from_db()
            with pytest.raises(ValidationError):
                custody_move(actor=world.handler, item=item, target=target, note="x")


def test_a_rifle_goes_to_the_armoury_then_to_another_unit(world):
    item = record(world.case, world.handler, world.witness)
    custody_move(actor=world.handler, item=item, target=CustodyState.HELD)
    with pytest.raises(ValidationError, match="to whom"):
        custody_move(actor=world.handler, item=item, target=CustodyState.HELD, to_unit=world.other)
    custody_move(
        actor=world.handler,
        item=item,
        target=CustodyState.HELD,
        to_unit=world.other,
        note="Convoy 3, signed by the other unit's quartermaster",
    )
    item.refresh_from_db()
    assert (item.state, item.holder_id) == ("held", world.other.pk)
    with pytest.raises(PermissionDenied):  # no longer this unit's to move
        custody_move(actor=world.handler, item=item, target=CustodyState.ISSUED, note="x")
    moves = list(CustodyMove.objects.filter(item=item).values_list("to_state", "to_unit"))
    assert moves == [("received", world.unit.pk), ("held", world.unit.pk), ("held", world.other.pk)]


def test_a_destroyed_item_stays_in_the_register_for_good(world):
    item = record(world.case, world.handler, world.witness)
    custody_move(actor=world.handler, item=item, target=CustodyState.HELD)
    custody_move(
        actor=world.handler, item=item, target=CustodyState.DESTROYED, note="Cut, two witnesses"
    )
    item.refresh_from_db()
    assert (item.state, item.holder_id) == ("destroyed", None)
    for step in CUSTODY_MOVES:
        with pytest.raises((ValidationError, PermissionDenied)):
            custody_move(actor=world.handler, item=item, target=step.target, note="x")


def test_handing_to_headquarters_makes_headquarters_the_holder(world):
    item = record(world.case, world.handler, world.witness)
    custody_move(actor=world.handler, item=item, target=CustodyState.HANDED_TO_HQ, note="Courier")
    item.refresh_from_db()
    assert item.holder_id == world.hq.pk


def test_a_count_lists_differences_for_headquarters(world):
    rifle = record(world.case, world.handler, world.witness)
    rounds = record(
        world.case, world.handler, world.witness, code="ammo-556", quantity=120, serial=""
    )
    count = count_record(actor=world.handler, found={rifle.pk: 1, rounds.pk: 90})
    lines = {line.item_id: line for line in CountLine.objects.filter(count=count)}
    assert (lines[rounds.pk].expected, lines[rounds.pk].found) == (120, 90)
    with pytest.raises(PermissionDenied):
        discrepancy_resolve(actor=world.approver, line=lines[rounds.pk])
    with pytest.raises(ValidationError, match="no discrepancy"):
        discrepancy_resolve(actor=world.hq_approver, line=lines[rifle.pk])
    discrepancy_resolve(actor=world.hq_approver, line=lines[rounds.pk])


def test_a_count_may_not_name_another_units_items_or_absurd_numbers(world):
    theirs = record(world.other_case, world.other_handler, world.other_witness)
    with pytest.raises(ValidationError, match="does not hold"):
        count_record(actor=world.handler, found={theirs.pk: 1})
    ours = record(world.case, world.handler, world.witness, serial="X1")
    with pytest.raises(ValidationError, match="whole number"):
        count_record(actor=world.handler, found={ours.pk: -1})
    with pytest.raises(ValidationError, match="whole number"):
        count_record(actor=world.handler, found={ours.pk: 10_000_000})
