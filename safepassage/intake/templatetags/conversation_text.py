"""How a conversation's message reads on a page: a button press by its
label in the reader's language, never its payload."""

from __future__ import annotations

from django import template
from django.utils import translation

from safepassage.intake.conversation import button_label
from safepassage.intake.models import ContactMessage, MessageKind

register = template.Library()


@register.filter
def message_text(message: ContactMessage) -> str:
    """The text to show for `message` (decrypted by the caller's read)."""
    if message.kind == MessageKind.BUTTON:
        return button_label(message.body or "", translation.get_language() or "my")
    return message.body or ""
