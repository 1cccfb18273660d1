"""The person wrote: the case their conversation was handed over to shows
as unread to its unit (through cases' own service). Processing and the
web form call it."""

from __future__ import annotations

from safepassage.cases.services import case_message_received

from .models import Contact


def conversation_heard(*, contact: Contact) -> None:
    """The person wrote in `contact` (or a contact continuing its
    conversation): if the conversation was handed over to a case, the case
    shows as unread to its unit (through cases' own service)."""
    case_id = contact.case_id
    if case_id is None and contact.continues_id is not None:
        case_id = (
            Contact.objects.filter(pk=contact.continues_id)
            .values_list("case_id", flat=True)
            .first()
        )
    if case_id is not None:
        case_message_received(case_id=case_id)
