"""A conversation's keys follow the unit that reads it.

Who reads a conversation is decided by unit columns: the channel's unit
while it is in the inbox, the case's unit once it is handed over or
linked to a case (`intake_contact.case_id`, and for a contact that
continues it on another channel, its root's case). The contact's data key
(which its messages, replies and notes share) is bound to the first of
these that is set (`Contact.vault_unit_paths`), so each change of those
columns moves the key in the same transaction:

* hand-over and link to a case (`services.contact_hand_over`,
  `services.contact_link_case`): from the channel's scope to the case's
  unit, for the root and every contact that continues it;
* a contact that resumes a handed-over conversation on another channel
  (`conversation._read_receipt`): to the case's unit; one that starts
  continuing it on the web is made under that unit's key at once
  (`Contact.vault_scope`);
* a case transfer (`cases.signals.case_unit_moving`, sent by
  `cases.services.case_transfer_accept`): from the sending unit to the
  receiving one.

Each move names the scope the key must be under before it
(`keys.data_key_move(from_scope=...)`): a `case_id` or `continues_id`
changed by hand is refused (`UnitMismatch`, audited), never laundered.
After a move the unit that held the conversation cannot read it: its key
is no longer under that unit's key, whatever a column is set to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q

from safepassage.audit.services import audit_record
from safepassage.vault import keys
from safepassage.vault.exceptions import UnitMismatch

from .models import Contact


def contact_key_follow(contact: Contact, *, from_scope: str) -> bool:
    """Move `contact`'s data key from `from_scope` (the scope its unit
    columns named before the caller changed them) to the scope they name
    now. Call inside the transaction that changes the columns. False when
    there is nothing to move."""
    to_scope = contact.vault_bound_scope() or keys.SYSTEM_SCOPE
    if to_scope == from_scope:
        return False
    keys.data_key_move(
        data_key=contact.data_key, scope=to_scope, from_scope=from_scope, row=contact
    )
    return True


def conversation_members(root: Contact) -> list[Contact]:
    """The root and the contacts that continue it, each with its data key
    loaded and `continues` pointing at this very `root` instance (so a
    change to the root's case is seen by the members' bound scope)."""
    members = [root]
    for member in Contact.objects.filter(continues=root).select_related("data_key__unit_key"):
        member.continues = root
        members.append(member)
    return members


def scopes_before(members: Iterable[Contact]) -> list[str]:
    return [m.vault_bound_scope() or keys.SYSTEM_SCOPE for m in members]


def case_unit_moving_follow(
    sender: Any, *, case: Any, from_unit_id: int, to_unit_id: int, **kwargs: Any
) -> None:
    """`cases.signals.case_unit_moving`: the conversation of `case` (its
    root and the contacts that continue it) moves with the case, in the
    transfer's transaction; a key not under the sending unit refuses the
    whole transfer (UnitMismatch)."""
    from_scope = keys.scope_for_unit(from_unit_id)
    to_scope = keys.scope_for_unit(to_unit_id)
    contacts = (
        Contact.objects.filter(Q(case=case) | Q(continues__case=case))
        .select_related("data_key__unit_key")
        .order_by("pk")
    )
    for contact in contacts:
        keys.data_key_move(
            data_key=contact.data_key, scope=to_scope, from_scope=from_scope, row=contact
        )


def conversations_bind_to_cases() -> tuple[int, int]:
    """The upgrade step for conversations handed over before this binding:
    move the key of each contact joined to a case (or continuing one) from
    its channel's scope, where the old binding kept it, to the case's unit.
    Only a key under the channel's scope is moved (anything else is left
    for `vault_check_units` to list). Each move is audited
    (`intake.conversation_bound`, ids only). Returns (moved, refused)."""
    moved = refused = 0
    joined = (
        Contact.objects.filter(Q(case__isnull=False) | Q(continues__case__isnull=False))
        .select_related("channel", "case", "continues__case", "data_key__unit_key")
        .order_by("pk")
    )
    for contact in joined:
        from_scope = contact.channel.vault_scope()
        to_scope = contact.vault_bound_scope() or keys.SYSTEM_SCOPE
        if contact.data_key.unit_key.scope == to_scope:
            continue
        try:
            with transaction.atomic():
                keys.data_key_move(
                    data_key=contact.data_key, scope=to_scope, from_scope=from_scope, row=contact
                )
                audit_record(
                    actor=None,
                    action="intake.conversation_bound",
                    target=contact,
                    details={"scope": to_scope},
                )
        except UnitMismatch:
            refused += 1
            continue
        moved += 1
    return moved, refused
