"""Every read of contacts starts from what this user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet

from .models import Contact, ContactMessage, OutboundMessage
from .policies import channel_scope, user_reads_contacts

INBOX_SIZE = 100


class ContactNotFound(Exception):
    """No such contact for this user."""


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    """Contacts not yet handed over, of the channels the user reads."""
    if not user_reads_contacts(user):
        return Contact.objects.none()
    return Contact.objects.filter(channel_scope(user), case__isnull=True)


def inbox(*, user: Any) -> list[Contact]:
    """Contacts with their latest activity first. Shows no personal field."""
    return list(
        contacts_visible_to(user)
        .select_related("channel")
        .annotate(messages_in=Count("messages"), last_at=Max("messages__created_at"))
        .order_by("-last_inbound_at", "-pk")[:INBOX_SIZE]
    )


def contact_get_for_user(*, user: Any, pk: int) -> Contact:
    found = (
        contacts_visible_to(user)
        .select_related("channel", "data_key__unit_key")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise ContactNotFound()
    return found


def conversation(*, contact: Contact) -> list[ContactMessage]:
    return list(contact.messages.select_related("data_key__unit_key"))


def replies_pending(*, contact: Contact) -> list[OutboundMessage]:
    """Replies not (or not surely) delivered, for the operator to see."""
    return list(contact.outbox.exclude(state="sent").select_related("data_key__unit_key"))


def routing_suggestions(*, township_query: str, n: int = 5) -> tuple[Any, list[Any]]:
    """(the township understood, or None; units near it, best first)."""
    from safepassage.forces.selectors import units_near
    from safepassage.geo.selectors import township_by_pcode, township_search

    matches = township_search(township_query, limit=1) if township_query.strip() else []
    township = township_by_pcode(matches[0].pcode) if matches else None
    return township, (units_near(township, n) if township is not None else [])
