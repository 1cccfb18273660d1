"""Recording items: refusals, encryption, and the duplicate-serial check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from safepassage.armoury.models import (
    AlertStatus,
    CustodyMove,
    DuplicateSerialAlert,
    Item,
)
from safepassage.armoury.services import alert_decide, serial_matches
from safepassage.armoury.tests.factories import record
from safepassage.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_item_is_recorded_with_its_serial_encrypted_and_its_move(world):
    item = record(world.case, world.handler, world.witness, place="Camp north of the river")
    with connection.cursor() as cursor:
        cursor.execute("SELECT serial, place FROM armoury_item WHERE id = %s", [item.pk])
        serial_raw, place_raw = cursor.fetchone()
    assert b"204518" not in bytes(serial_raw)
    assert b"river" not in bytes(place_raw)
    assert item.serial_index is not None
    fresh = Item.objects.get(pk=item.pk)
    assert fresh.serial == "MA1-204518"
    assert fresh.holder_id == world.unit.pk
    assert CustodyMove.objects.filter(item=item, to_state="received").count() == 1
    event = AuditEvent.objects.filter(action="armoury.item_recorded").get()
    assert "204518" not in str(event.details)


@pytest.mark.parametrize(
    ("code", "quantity", "message"),
    [
        ("ammo-556", 0, "at least 1"),
        ("ammo-556", -5, "at least 1"),
        ("ammo-556", 200_000, "more than one register line"),
        ("ma-1", 2, "more than one register line"),
    ],
)
def test_absurd_quantities_are_refused_and_nothing_is_written(world, code, quantity, message):
    with pytest.raises(ValidationError, match=message):
        record(world.case, world.handler, world.witness, code=code, quantity=quantity, serial="")
    assert not Item.objects.exists()


def test_a_rifle_without_a_serial_is_refused(world):
    with pytest.raises(ValidationError, match="serial"):
        record(world.case, world.handler, world.witness, serial="  - . ")
    with pytest.raises(ValidationError, match="no letter or digit"):
        record(world.case, world.handler, world.witness, serial="-- !!")


def test_the_witness_is_another_member_of_the_unit(world):
    with pytest.raises(ValidationError, match="another person"):
        record(world.case, world.handler, world.handler)
    with pytest.raises(ValidationError, match="member of the unit"):
        record(world.case, world.handler, world.other_witness)


def test_a_reception_in_the_future_or_naive_is_refused(world):
    with pytest.raises(ValidationError, match="future"):
        record(
            world.case,
            world.handler,
            world.witness,
            received_at=timezone.now() + dt.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="time zone"):
        record(
            world.case,
            world.handler,
            world.witness,
            received_at=dt.datetime(2026, 1, 1),  # noqa: DTZ001
        )


def test_another_units_staff_cannot_record_on_the_case(world):
    with pytest.raises(PermissionDenied):
        record(world.case, world.other_handler, world.other_witness)
    with pytest.raises(PermissionDenied):
        record(world.case, world.approver, world.witness)  # an approver does not record


def test_the_same_rifle_in_another_unit_is_flagged_and_alerts_headquarters(world):
    first = record(world.case, world.handler, world.witness, serial="MA1-204518")
    # typed differently: Cyrillic А, letter O for zero, spaces, Burmese digits
    second = record(
        world.other_case, world.other_handler, world.other_witness, serial="mА1 2O4 ၅၁၈"
    )
    assert second.duplicate_of_id == first.pk
    alert = DuplicateSerialAlert.objects.get()
    assert (alert.item_id, alert.earlier_id) == (second.pk, first.pk)
    assert first.duplicate_of_id is None
    assert [i.pk for i in serial_matches("MA1204518")] == [first.pk, second.pk]


def test_another_serial_is_no_duplicate(world):
    record(world.case, world.handler, world.witness, serial="MA1-204518")
    other = record(world.other_case, world.other_handler, world.other_witness, serial="MA1-204519")
    assert other.duplicate_of_id is None
    assert not DuplicateSerialAlert.objects.exists()


def test_only_headquarters_decides_an_alert_and_only_once(world):
    record(world.case, world.handler, world.witness)
    record(world.other_case, world.other_handler, world.other_witness)
    alert = DuplicateSerialAlert.objects.get()
    with pytest.raises(PermissionDenied):
        alert_decide(actor=world.approver, alert=alert, status=AlertStatus.FRAUD)
    alert_decide(actor=world.hq_screening, alert=alert, status=AlertStatus.FRAUD)
    with pytest.raises(ValidationError, match="already"):
        alert_decide(actor=world.hq_approver, alert=alert, status=AlertStatus.MISTAKE)
