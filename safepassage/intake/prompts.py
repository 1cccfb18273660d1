"""Prompts: a message with fixed choices, sent to a contact through its own
channel, answered by a button, and dispatched by kind to the app that
asked.

Intake imports no app above it. An app that asks the person something
(the crossing plan; later the reintegration check-ins) registers a
`PromptHandler` under a short kind when it starts
(`AppConfig.ready`), and sends with `prompt_send`:

* Telegram: inline buttons; Messenger: quick replies (titles cut at
  letter boundaries by the outbox); the web form: the handler's open
  choices are shown as buttons on `/contact/conversation/`
  (`prompt_choices_open`) and posted to `/contact/answer/`.
* A choice travels as the payload ``p:<kind>:<choice>`` (at most 64
  bytes, Telegram's limit): no id, no personal value. What the choice
  refers to is the handler's to find from the contact, so a button from
  an old message can never act on another record than the contact's own.
* `prompt_erase` takes a prompt out of the person's chat once it has
  served: deleted on Telegram; on the web its text is replaced; Messenger
  cannot delete, so the person is asked to delete it.
* `prompt_duress` is called whenever a contact writes a duress word, so
  that the handlers can raise their own alarm; the bot's answer stays
  exactly as without it.

Handlers run inside the transaction that records the person's message;
what they raise is contained to that update (`processing.update_process`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import (
    ChannelKind,
    Contact,
    ContactMessage,
    OutboundMessage,
    OutboxState,
)
from .outbox import MAX_TEXT, chat_erase_queue, message_queue, reply_route

logger = logging.getLogger("safepassage.intake")

PREFIX = "p:"
MAX_PAYLOAD = 64
#: Kept in the web conversation in place of a prompt taken out of it.
ERASED = "[removed]"


@dataclass(frozen=True)
class PromptHandler:
    """What an app does with the answers to its prompts.

    `answer(contact, choice)` records the choice and returns the texts to
    send back (already in the person's language); `choices(contact)` the
    (choice, label) pairs still open for this contact (shown on the web
    form; empty when nothing is asked); `label(choice, language)` a
    choice's label for display, or None; `on_duress(contact)` is told of
    every duress word the contact writes.
    """

    answer: Callable[[Contact, str], list[str]]
    choices: Callable[[Contact], list[tuple[str, str]]]
    label: Callable[[str, str], str | None]
    on_duress: Callable[[Contact], None] | None = None


_HANDLERS: dict[str, PromptHandler] = {}


@dataclass(frozen=True)
class PrivateHandler:
    """A conversation inside the conversation that its unit must not read
    (a complaint to headquarters). `advance(contact, text)` is offered
    every text message first: None when it is not the handler's (not its
    start word, nothing under way for this contact), else the texts to
    send back. Intake then records the person's message redacted (and
    deletes it from a Telegram chat) and sends the replies as secrets
    (`conversation.conversation_advance`): the unit's log keeps only the
    placeholders a typed and a shown receipt leave. The handler keeps
    what it needs under a key of its own."""

    advance: Callable[[Contact, str], list[str] | None]


_PRIVATE: list[PrivateHandler] = []


def register_private_handler(handler: PrivateHandler) -> None:
    if handler not in _PRIVATE:
        _PRIVATE.append(handler)


def private_dispatch(contact: Contact, text: str) -> list[str] | None:
    """The first private handler's answer to `text`, or None."""
    for handler in _PRIVATE:
        answered = handler.advance(contact, text)
        if answered is not None:
            return answered
    return None


def register_prompt_handler(kind: str, handler: PromptHandler) -> None:
    """Register (or replace) the handler of `kind` (letters and "_")."""
    if not kind or not kind.replace("_", "").isalpha() or ":" in kind:
        raise ValueError("a prompt kind is made of letters and underscores")
    _HANDLERS[kind] = handler


def prompt_payload(kind: str, choice: str) -> str:
    payload = f"{PREFIX}{kind}:{choice}"
    if len(payload.encode()) > MAX_PAYLOAD:
        raise ValueError("a prompt payload holds at most 64 bytes")
    return payload


def prompt_parse(payload: str) -> tuple[str, str] | None:
    """(kind, choice) of a prompt payload, or None for anything else."""
    if not payload.startswith(PREFIX) or len(payload.encode()) > MAX_PAYLOAD:
        return None
    kind, _colon, choice = payload[len(PREFIX) :].partition(":")
    if not kind or not choice:
        return None
    return kind, choice


def root_of(contact: Contact) -> Contact:
    """The conversation's first contact (the one a case is linked to)."""
    return contact.continues or contact


def contact_for_case(case_id: int) -> Contact | None:
    """The advance-contact conversation (its root) a case was opened from."""
    return (
        Contact.objects.filter(case_id=case_id, continues__isnull=True)
        .select_related("channel__data_key__unit_key", "data_key__unit_key")
        .first()
    )


def prompt_send(
    *, contact: Contact, kind: str, text: str, choices: Sequence[tuple[str, str]]
) -> OutboundMessage:
    """Queue `text` with `choices` ((choice, label) pairs) to the channel the
    person wrote from last. Call inside the caller's transaction; the
    outbox sends after commit. The caller audits."""
    if kind not in _HANDLERS:
        raise ValueError("no handler is registered for this prompt kind")
    if len(text) > MAX_TEXT:
        raise ValueError("a prompt holds at most 4,096 characters")
    buttons = [(prompt_payload(kind, choice), label) for choice, label in choices]
    return message_queue(reply_route(root_of(contact)), text, buttons=buttons)


def prompt_text_send(*, contact: Contact, text: str) -> OutboundMessage:
    """A plain message (no choices) from the system, e.g. a check-in."""
    return message_queue(reply_route(root_of(contact)), text[:MAX_TEXT])


def private_send(*, contact: Contact, text: str) -> OutboundMessage | None:
    """A message the conversation's unit must not read (headquarters'
    answer to a complaint): queued as a `secret` message, so that once it
    has left, the log keeps only the placeholder a receipt leaves. To the
    bot the person wrote from last; None when that is the web form (its
    log is the only way to the person there, and the unit reads it)."""
    target = reply_route(root_of(contact))
    if target.channel.kind == ChannelKind.WEB:
        return None
    return message_queue(target, text[:MAX_TEXT], secret=True)


def prompt_erase(*, message_ids: Sequence[int], ask_to_delete: str = "") -> int:
    """Take the prompts `message_ids` (OutboundMessage ids) out of the
    person's chat. Telegram: deleted (a prompt not sent yet is withdrawn);
    the web form: its text replaced; Messenger: `ask_to_delete` is sent once,
    since a page cannot delete. Returns how many were handled."""
    handled = 0
    asked: set[int] = set()
    for message in OutboundMessage.objects.filter(pk__in=list(message_ids)).select_related(
        "contact__channel", "contact__data_key__unit_key"
    ):
        contact = message.contact
        if message.state == OutboxState.QUEUED:
            OutboundMessage.objects.filter(pk=message.pk).update(
                state=OutboxState.FAILED, failure="withdrawn"
            )
            handled += 1
            continue
        shown = list(
            ContactMessage.objects.filter(
                contact=contact, inbound=False, erased_from_chat_at__isnull=True
            ).filter(provider_message_id=message.provider_message_id)
            if message.provider_message_id
            else ContactMessage.objects.none()
        )
        kind = contact.channel.kind
        if kind == ChannelKind.TELEGRAM:
            if shown:
                chat_erase_queue(contact=contact, messages=shown)
        elif kind == ChannelKind.WEB:
            _web_blank(contact, message)
        elif ask_to_delete and contact.pk not in asked:
            asked.add(contact.pk)
            message_queue(contact, ask_to_delete[:MAX_TEXT])
        handled += 1
    return handled


def _web_blank(contact: Contact, message: OutboundMessage) -> None:
    """The web conversation shows outbound messages from the log: the
    prompt's entry (the one recorded when it was settled) is replaced."""
    now = timezone.now()
    entry = (
        ContactMessage.objects.filter(
            contact=contact, inbound=False, erased_from_chat_at__isnull=True
        )
        .filter(created_at__gte=message.created_at)
        .select_related("data_key__unit_key")
        .order_by("created_at", "id")
    )
    for shown in entry:
        if shown.body == message.body:
            shown.body = ERASED
            shown.erased_from_chat_at = now
            shown.save(update_fields=["body", "erased_from_chat_at"])
            break
    message.body = ERASED
    message.save(update_fields=["body"])


def prompt_dispatch(contact: Contact, payload: str) -> list[str] | None:
    """The handler's answer texts for a prompt payload; None when the
    payload is no prompt's. A kind nobody handles gets no answer ([])."""
    parsed = prompt_parse(payload)
    if parsed is None:
        return None
    kind, choice = parsed
    handler = _HANDLERS.get(kind)
    if handler is None:
        logger.warning("intake: an answer to an unknown prompt kind")
        return []
    return handler.answer(contact, choice)


def prompt_choices_open(contact: Contact) -> list[tuple[str, str]]:
    """Every handler's open (payload, label) pairs for this contact."""
    found: list[tuple[str, str]] = []
    for kind, handler in sorted(_HANDLERS.items()):
        found += [(prompt_payload(kind, c), label) for c, label in handler.choices(contact)]
    return found


def prompt_label(payload: str, language: str) -> str | None:
    parsed = prompt_parse(payload)
    if parsed is None:
        return None
    handler = _HANDLERS.get(parsed[0])
    return handler.label(parsed[1], language) if handler is not None else None


def prompt_duress(contact: Contact) -> None:
    """Tell every handler that `contact` wrote a duress word (after the
    transaction's own writes; a handler's failure is logged, never shown)."""
    for handler in _HANDLERS.values():
        if handler.on_duress is None:
            continue
        try:
            with transaction.atomic():
                handler.on_duress(contact)
        except Exception as error:  # the person's message is kept regardless
            logger.error("intake: a duress handler failed [%s]", type(error).__name__)
