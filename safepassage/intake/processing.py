"""Reading stored updates into contacts and their messages (the background step).

`update_process` takes one stored update (state `received`), finds or
makes the contact it comes from, records what was said (Burmese converted
from Zawgyi) and lets the conversation (`conversation/`) answer through
the outbox, all in one transaction. Every shape the providers document is
read; what cannot be read marks the update `failed` with a reason code,
never raises.

A failure while reading one update is contained to it: its writes are
rolled back (a savepoint), and it is set aside `quarantined` with a reason
code and an audit event, so that the updates after it are read and no run
stops on it again. Only what is not the update's fault raises: a locked
key ring, a lost or locked database (`TRANSIENT`); the update then stays
`received` for the next run.

Each channel's reader (`channels/<kind>/reader.py`, found through
`channels.registry`) turns the update into the neutral `Inbound`; nothing
here names a channel. The tasks that run this (`process_update`,
`process_updates`) sit here too.
"""

from __future__ import annotations

import json
import logging
from collections import Counter

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django_tasks import task

from safepassage.audit.services import audit_record
from safepassage.vault import keyring
from safepassage.vault.exceptions import KeyRingError, VaultLocked
from safepassage.vault.fields import blind_index_filter

from .channels.base import Inbound, Unreadable
from .channels.registry import channel_type
from .conversation import REDACTED, conversation_advance
from .heard import conversation_heard
from .models import (
    Channel,
    Contact,
    ContactMessage,
    InboundUpdate,
    UpdateState,
)
from .outbox import (
    bot_reply_queue,
    button_ack_queue,
    chat_erase_queue,
    chat_receipt_erase,
    chat_transient_erase,
    outbox_withdraw_bot_messages,
)
from .quarantine import failure_reason, update_quarantine

logger = logging.getLogger("safepassage.intake")

#: Failures that are not the update's: it stays `received`.
TRANSIENT = (OperationalError, InterfaceError, VaultLocked, KeyRingError)


def contact_for(channel: Channel, address: str, language: str = "") -> tuple[Contact, bool]:
    """The channel's contact at `address`, made if new."""
    candidates = Contact.objects.filter(channel=channel).select_related("data_key__unit_key")
    found = blind_index_filter(candidates, "address_index", address)
    if found:
        return found[0], False
    return Contact.objects.create(channel=channel, address=address, language=language), True


def update_process(update_id: int) -> str:
    """Read one stored update; returns its new state. Idempotent. Raises
    only `TRANSIENT` failures."""
    with transaction.atomic():
        update = (
            InboundUpdate.objects.select_for_update()
            .select_related("channel__data_key__unit_key", "data_key__unit_key")
            .filter(pk=update_id)
            .first()
        )
        if update is None or update.state != UpdateState.RECEIVED:
            return update.state if update is not None else "missing"
        try:
            with transaction.atomic():  # a savepoint: a failure undoes this update only
                _read(update)
        except TRANSIENT:
            raise
        except Exception as exc:
            update_quarantine(update=update, reason=failure_reason(exc))
    return update.state


def _read(update: InboundUpdate) -> None:
    try:
        try:
            data = json.loads(update.payload or "")
        except ValueError:
            raise Unreadable("json") from None
        if not isinstance(data, dict):
            raise Unreadable("payload")
        inbound = channel_type(update.channel.kind).read(data)
    except Unreadable as exc:
        # Real deliveries are readable: an unreadable one is worth a look
        # (a provider's change, or a forgery that passed the signature).
        logger.warning(
            "intake: update %s on channel %s could not be read (%s)",
            update.pk,
            update.channel_id,
            exc,
        )
        update.state = UpdateState.FAILED
        update.reason = str(exc)[:40]
        update.save(update_fields=["state", "reason"])
        audit_record(
            actor=None,
            action="intake.update_unreadable",
            target=update,
            details={"reason": update.reason},
        )
        return
    if inbound is not None:
        _record(update, inbound)
    update.state = UpdateState.PROCESSED
    update.save(update_fields=["state"])


def _record(update: InboundUpdate, inbound: Inbound) -> None:
    contact, created = contact_for(update.channel, inbound.address, inbound.language)
    if inbound.blocked is not None:
        contact.blocked = inbound.blocked
        contact.save(update_fields=["blocked"])
        return
    turn = conversation_advance(contact, inbound.kind, inbound.body)
    message = ContactMessage.objects.create(
        contact=contact,
        data_key=contact.data_key,
        inbound=True,
        kind=inbound.kind,
        body=REDACTED if turn.redact else inbound.body,
        provider_message_id=str(inbound.provider_message_id)[:100],
        transient=turn.served or turn.redact,
    )
    contact.last_inbound_at = timezone.now()
    contact.blocked = False
    contact.save()
    if contact.continues_id is not None:  # the conversation comes up in the inbox
        Contact.objects.filter(pk=contact.continues_id).update(
            last_inbound_at=contact.last_inbound_at
        )
    audit_record(
        actor=None,
        action="intake.message_received",
        target=contact,
        details={"kind": inbound.kind, "new_contact": created},
    )
    conversation_heard(contact=contact)
    if inbound.callback_id:
        button_ack_queue(contact=contact, callback_id=inbound.callback_id)
    if turn.withdraw:
        outbox_withdraw_bot_messages(contact=contact)
    if turn.redact:
        chat_erase_queue(contact=contact, messages=[message])
    if turn.erase_served:
        chat_transient_erase(contact=contact)
    if turn.erase_receipt:
        chat_receipt_erase(contact=contact)
    for reply in turn.replies:
        bot_reply_queue(contact=contact, reply=reply)
    if turn.erase_chat:
        chat_erase_queue(contact=contact)


@task()
def process_update(update_id: int) -> str:
    """Read one stored update. A worker unlocks the key ring as the server does
    (the passphrase file handed over by the service manager); while it is
    locked the task fails and `manage.py intake_process` picks the update up later."""
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    return update_process(update_id)


@task()
def process_updates(update_ids: list[int]) -> dict[str, int]:
    """Read a batch of stored updates (the spool's drain queues one per batch).

    Each is read alone: one that fails is quarantined by `update_process`;
    one that meets a transient failure (locked database, locked key ring)
    stays `received` for `manage.py intake_process`, and the rest go on."""
    if not keyring.is_unlocked():
        keyring.try_unlock_from_environment()
    outcome: Counter[str] = Counter()
    for pk in update_ids:
        try:
            outcome[update_process(pk)] += 1
        except TRANSIENT as exc:
            logger.warning("intake: update %s left waiting (%s)", pk, type(exc).__name__)
            outcome["waiting"] += 1
    return dict(outcome)
