"""Recording items, with the duplicate-serial check across every unit.

`item_record` locks the serial's bucket (`SerialLock`, one row per blind
index value) before it looks for earlier items, so two units recording
the same serial at the same moment are checked one after the other. A
serial whose key was seen before, in any unit, flags the new item
(`duplicate_of`: it earns no reward) and opens an alert for headquarters.
Candidates of the truncated blind index are confirmed by decrypting
their serial; one that fails its integrity check is treated as a match
(an alert to look at, never a silent pass).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safepassage.accounts.models import User
from safepassage.audit.services import audit_record
from safepassage.cases.models import Case
from safepassage.cases.workflow import Status
from safepassage.vault.exceptions import DecryptionError
from safepassage.vault.fields import BlindIndexField, PendingFile

from ..models import (
    AlertStatus,
    Condition,
    CustodyMove,
    DuplicateSerialAlert,
    Item,
    ItemPhoto,
    Kind,
    SerialLock,
)
from ..policies import may_record, may_see_alerts
from ..serials import SerialError, serial_normalize
from ..workflow import CustodyState

#: How far in the future a reception time may lie (clocks differ).
CLOCK_SKEW = dt.timedelta(minutes=10)
PHOTOS_MAX = 6
ALERTS_MAX = 32


def _serial_field() -> BlindIndexField:
    field = Item._meta.get_field("serial_index")
    if not isinstance(field, BlindIndexField):
        raise TypeError("serial_index is a BlindIndexField")
    return field


def serial_matches(serial: str, *, exclude: int | None = None) -> list[Item]:
    """Items in any unit whose serial has the same key as `serial`, oldest
    first. Looks the blind index up first (ids only: a serial never seen,
    the usual case, costs one indexed query), then loads and decrypts only
    the candidates."""
    key = serial_normalize(serial)
    field = _serial_field()
    ids = Item.objects.filter(serial_index__in=field.index_candidates(serial))
    if exclude is not None:
        ids = ids.exclude(pk=exclude)
    candidate_ids = list(ids.values_list("pk", flat=True))
    if not candidate_ids:
        return []
    # The case row gives the unit the key is bound to (its unit_id); the
    # data key and its unit key open the serial: one query for them all.
    candidates = Item.objects.filter(pk__in=candidate_ids).select_related(
        "case", "data_key__unit_key"
    )
    found = []
    for row in sorted(candidates, key=lambda i: (i.received_at, i.pk)):
        try:
            other = row.serial
        except DecryptionError:
            found.append(row)  # unreadable: counts as seen, for a person to check
            continue
        try:
            if other and serial_normalize(other) == key:
                found.append(row)
        except SerialError:
            continue
    return found


def _lock_serial(serial: str) -> None:
    index = _serial_field().index_of(serial)
    try:
        with transaction.atomic():
            SerialLock.objects.get_or_create(index=index)
    except IntegrityError:
        pass  # created meanwhile by another recorder
    SerialLock.objects.select_for_update().get(index=index)


def _check_quantity(kind: Kind, quantity: int) -> None:
    if quantity < 1:
        raise ValidationError(_("The quantity must be at least 1."))
    if quantity > kind.max_quantity:
        raise ValidationError(
            _("%(count)s is more than one register line may hold for this kind (at most %(max)s).")
            % {"count": quantity, "max": kind.max_quantity}
        )


@transaction.atomic
def item_record(
    *,
    actor: User,
    case: Case,
    kind: Kind,
    condition: str,
    quantity: int,
    witnessed_by: User,
    received_at: dt.datetime,
    serial: str = "",
    markings: str = "",
    model_name: str = "",
    calibre: str = "",
    place: str = "",
    photos: Sequence[PendingFile] = (),
) -> Item:
    """Record one item handed over on `case` by the actor's unit.

    Refuses (ValidationError, nothing written): an unknown condition, an
    inactive kind, a quantity below 1 or above the kind's maximum, a
    serialised kind without a serial or a serial with no letter or digit,
    a witness who is the receiver or not an active member of the unit, a
    time in the future or without a time zone, a closed case.
    """
    if not may_record(actor, case.unit_id):
        raise PermissionDenied
    if case.status == Status.CLOSED:
        raise ValidationError(_("The case is closed."))
    if condition not in Condition.values:
        raise ValidationError(_("Choose working, damaged or unserviceable."))
    if not kind.active:
        raise ValidationError(_("This kind is no longer in the catalogue."))
    _check_quantity(kind, quantity)
    if witnessed_by.pk == actor.pk:
        raise ValidationError(_("The witness must be another person than the receiver."))
    if not witnessed_by.is_active or witnessed_by.unit_id != case.unit_id:
        raise ValidationError(_("The witness must be an active member of the unit."))
    if timezone.is_naive(received_at):
        raise ValidationError(_("Give the time of reception with its time zone."))
    if received_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError(_("The time of reception lies in the future."))
    if len(photos) > PHOTOS_MAX:
        raise ValidationError(_("At most six photos per item."))
    serial = (serial or "").strip()
    if kind.serialised and not serial:
        raise ValidationError(_("This kind has a serial number: type it as it is marked."))
    earlier: list[Item] = []
    if serial:
        try:
            serial_normalize(serial)
        except SerialError as exc:
            raise ValidationError(str(exc.message)) from None
        _lock_serial(serial)
        earlier = serial_matches(serial)
    item = Item.objects.create(
        case=case,
        unit_id=case.unit_id,
        holder_id=case.unit_id,
        data_key=case.data_key,
        kind=kind,
        model_name=model_name.strip()[:80],
        calibre=(calibre.strip() or kind.calibre)[:30],
        serial=serial,
        markings=markings.strip(),
        condition=condition,
        quantity=quantity,
        received_by=actor,
        witnessed_by=witnessed_by,
        received_at=received_at,
        place=place.strip(),
        state=CustodyState.RECEIVED,
        duplicate_of=earlier[0] if earlier else None,
    )
    CustodyMove.objects.create(
        item=item,
        data_key=case.data_key,
        from_state="",
        to_state=CustodyState.RECEIVED,
        to_unit_id=case.unit_id,
        actor=actor,
        note="",
        at=received_at,
    )
    for photo in photos:
        ItemPhoto.objects.create(item=item, data_key=case.data_key, photo=photo)
    for other in earlier[:ALERTS_MAX]:
        DuplicateSerialAlert.objects.create(item=item, earlier=other)
    audit_record(
        actor=actor,
        action="armoury.item_recorded",
        target=item,
        unit=case.unit_id,
        details={
            "case": case.pk,
            "kind": kind.code,
            "quantity": quantity,
            "photos": len(photos),
            "duplicate_serial": bool(earlier),
            "earlier_items": [o.pk for o in earlier[:ALERTS_MAX]],
        },
    )
    return item


@transaction.atomic
def alert_decide(*, actor: User, alert: DuplicateSerialAlert, status: str) -> DuplicateSerialAlert:
    """Headquarters marks an alert a double claim or a recording mistake.
    The flag on the item stays either way: a mistake is corrected by
    recording the item again with the right serial, never by unflagging."""
    if not may_see_alerts(actor):
        raise PermissionDenied
    if status not in (AlertStatus.FRAUD, AlertStatus.MISTAKE):
        raise ValidationError(_("Choose a double claim or a recording mistake."))
    locked = DuplicateSerialAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != AlertStatus.OPEN:
        raise ValidationError(_("This alert was decided already."))
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="armoury.alert_decided",
        target=locked,
        details={"item": locked.item_id, "earlier": locked.earlier_id, "status": status},
    )
    return locked
