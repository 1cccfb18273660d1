"""Channels (bots and pages) and the updates they deliver.

A channel's credentials and webhook secret are encrypted. An inbound
update is stored as it arrived (encrypted, under a data key of its own, so
that a purge or a shred can take it alone) before anything reads it, and
once only: the provider's own id makes a retried or replayed delivery a
no-op.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import (
    BlindIndexField,
    EncryptedJSONField,
    EncryptedTextField,
    VaultedModel,
)
from safepassage.vault.keys import SYSTEM_SCOPE, scope_for_unit


class ChannelKind(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram bot")
    FACEBOOK = "facebook", _("Facebook page")
    #: The web form at /contact/: nothing is sent anywhere; replies wait
    #: until the person resumes with case code and receipt.
    WEB = "web", _("Web form")


DEFAULT_API_URL = {
    ChannelKind.TELEGRAM: "https://api.telegram.org",
    ChannelKind.FACEBOOK: "https://graph.facebook.com",
    ChannelKind.WEB: "http://localhost",
}


class Channel(VaultedModel):
    vault_unit_paths = ("unit",)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: Bot token (Telegram) or page access token (Facebook); empty for the web form.
    token = EncryptedTextField(_("token"), max_length=500, blank=True)
    #: Telegram's secret_token header, or Facebook's verify token.
    webhook_secret = EncryptedTextField(_("webhook secret"), max_length=256, blank=True)
    #: Facebook's app secret, which signs every delivery (X-Hub-Signature-256).
    app_secret = EncryptedTextField(_("app secret"), max_length=256, blank=True)
    api_url = models.URLField(_("API address"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ChannelKind.values), name="intake_channel_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def webhook_path(self) -> str:
        return f"/channels/{self.kind}/{self.public_id}/webhook/"

    def vault_scope(self) -> str:
        return scope_for_unit(self.unit_id) if self.unit_id else SYSTEM_SCOPE


class UpdateState(models.TextChoices):
    RECEIVED = "received", _("Received")
    IGNORED = "ignored", _("Ignored")
    PROCESSED = "processed", _("Processed")
    #: Could not be read (the shape was not what the provider documents).
    FAILED = "failed", _("Failed")
    #: Could not be stored or read as delivered (a value the database
    #: cannot hold, or an error reading it): set aside, never read into a
    #: conversation, kept encrypted for headquarters; `reason` says why.
    QUARANTINED = "quarantined", _("Quarantined")


class InboundUpdate(VaultedModel):
    """One delivery from a provider. `payload` is the body as received
    (empty for what is ignored on arrival: group and channel posts)."""

    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="updates", verbose_name=_("channel")
    )
    provider_id = models.CharField(max_length=100)
    kind = models.CharField(_("kind"), max_length=40)
    payload = EncryptedTextField()
    state = models.CharField(_("state"), max_length=12, choices=UpdateState.choices)
    #: A short reason code for `failed` or `quarantined`, never content.
    reason = models.CharField(_("reason"), max_length=40, blank=True, default="")
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound update")
        verbose_name_plural = _("inbound updates")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_id"], name="intake_update_once_per_channel"
            ),
        ]
        indexes = [models.Index(fields=["state", "received_at"], name="intake_update_state")]

    def __str__(self) -> str:
        return f"{self.kind} update {self.provider_id} on channel {self.channel_id}"

    def vault_scope(self) -> str:
        return self.channel.vault_scope()


class Triage(models.TextChoices):
    GENUINE = "genuine", _("Genuine")
    DOUBTFUL = "doubtful", _("Doubtful")
    PROBE = "probe", _("Probe")


class Contact(VaultedModel):
    """Someone who wrote to a channel. Has a data key of its own, shared by
    its messages, so that shredding it destroys the whole conversation.

    `address` is the provider's id of the chat (Telegram chat id, Messenger
    page-scoped id; a random id for the web form): a channel address,
    encrypted, found through its blind index within the channel.

    `code` and `receipt_hash` are handed out at the end of the questions
    (`conversation/`): the code is the case's to be, the receipt the
    secret that resumes the conversation on any channel, stored only as a
    hash (`receipts.py`). A contact that resumed another's conversation
    points to it through `continues`; the first one (the root) is the one
    the inbox lists, triages and hands over.
    """

    #: Bound to the unit that reads it: its case's unit once handed over
    #: (or its root's case's, for a contact that continues a conversation),
    #: else its channel's (`unit_binding.py` moves the key when these change).
    vault_unit_paths = ("case__unit", "continues__case__unit", "channel__unit")

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="contacts")
    address = EncryptedTextField(max_length=100)
    address_index = BlindIndexField(source="address")
    language = models.CharField(max_length=2, blank=True)
    #: Where the person is in the questions (`conversation.STEPS`).
    step = models.CharField(max_length=20, default="start")
    #: What the person chose to tell, by question; every answer optional.
    answers = EncryptedJSONField()
    code = models.CharField(max_length=12, unique=True, null=True, blank=True)
    receipt_hash = models.CharField(max_length=200, blank=True)
    #: 16 bits of a keyed hash of the receipt (`receipts.receipt_filter`):
    #: refuses almost every wrong receipt without Argon2id, so that a flood
    #: of guesses neither costs the server nor locks the owner out
    #: (`resuming.py`). Empty for receipts issued before it existed.
    receipt_filter = models.CharField(max_length=8, blank=True)
    #: The person asked the bot to stop: nothing more is sent (staff
    #: replies wait) until they write again and choose to go on.
    stopped_at = models.DateTimeField(null=True, blank=True)
    #: A Telegram deep link's payload (`/start <payload>`): which public
    #: post or page the person came from, never who they are (docs/intake.md).
    source = models.CharField(max_length=64, blank=True)
    continues = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="continuations"
    )
    #: The person wrote a duress word: someone may be reading over their shoulder.
    duress = models.BooleanField(default=False)
    #: The person blocked the bot (Telegram my_chat_member: kicked).
    blocked = models.BooleanField(default=False)
    triage = models.CharField(max_length=10, choices=Triage.choices, blank=True)
    #: Set when handed over to a reception unit: the contact then leaves the inbox.
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="contact"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_inbound_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "address_index"], name="intake_contact_address")]

    def __str__(self) -> str:
        return f"contact {self.pk} on channel {self.channel_id}"

    def vault_scope(self) -> str:
        """A new contact's key: under the unit that reads it (a contact made
        to continue a handed-over conversation, under the case's unit)."""
        return self.vault_bound_scope() or self.channel.vault_scope()


class MessageKind(models.TextChoices):
    TEXT = "text", _("Text")
    EDITED = "edited", _("Edited text")
    BUTTON = "button", _("Button pressed")
    PHOTO = "photo", _("Photo")
    LOCATION = "location", _("Location")
    SHARED_CONTACT = "shared_contact", _("Shared contact")
    STICKER = "sticker", _("Sticker")
    VOICE = "voice", _("Voice message")
    DOCUMENT = "document", _("Document")
    OTHER = "other", _("Other")


class ContactMessage(VaultedModel):
    """One message of a conversation, in either direction. `body` is the
    text (Zawgyi converted), or for media the provider's file reference and
    caption, for a location its coordinates: encrypted in every case."""

    vault_unit_paths = (
        "contact__case__unit",
        "contact__continues__case__unit",
        "contact__channel__unit",
    )

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    inbound = models.BooleanField()
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    body = EncryptedTextField()
    provider_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When the message was deleted from the person's chat (Telegram only).
    erased_from_chat_at = models.DateTimeField(null=True, blank=True)
    #: Set once an intake operator has seen the message in the inbox.
    read_at = models.DateTimeField(null=True, blank=True)
    #: Deleted from the person's chat as soon as it has served its purpose
    #: (a question once answered, an answer once recorded).
    transient = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["contact", "created_at"], name="intake_message_contact")]

    def __str__(self) -> str:
        return (
            f"{'inbound' if self.inbound else 'outbound'} {self.kind} of contact {self.contact_id}"
        )


class OutboxState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")
    #: The sender stopped mid-send: the provider may or may not have it.
    UNCERTAIN = "uncertain", _("Perhaps sent")


class OutboundAction(models.TextChoices):
    SEND = "send", _("Send")
    #: Delete messages from the person's chat (`erase_message_ids`).
    ERASE = "erase", _("Delete from the chat")
    #: Tell Telegram a button press was received (`body`: the callback query's id).
    ACK = "ack", _("Button acknowledged")


class OutboundMessage(VaultedModel):
    """A message to a contact, sent through the contact's own channel by the
    outbox (`outbox/`), or a request to delete messages from the chat.
    Shares the contact's data key.

    `buttons` are (payload, label) pairs of the conversation's fixed
    choices, never personal. A `secret` message (the receipt) is sent once
    and its body then overwritten: the log keeps only that it was shown.
    """

    vault_unit_paths = (
        "contact__case__unit",
        "contact__continues__case__unit",
        "contact__channel__unit",
    )

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="outbox")
    action = models.CharField(max_length=5, choices=OutboundAction.choices, default="send")
    body = EncryptedTextField(max_length=4096)
    buttons = models.JSONField(default=list, blank=True)
    secret = models.BooleanField(default=False)
    #: Deleted from the person's chat once it has served (`ContactMessage.transient`).
    transient = models.BooleanField(default=False)
    erase_message_ids = models.JSONField(default=list, blank=True)
    #: An erase whose messages are found when it is sent, not when queued:
    #: every transient message then in the chat that was sent before it was
    #: queued (a question answered faster than it was delivered is still
    #: caught).
    erase_served = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=OutboxState.choices, default="queued")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    #: While `sending`: the sender's lease; past it, the message is uncertain.
    claimed_until = models.DateTimeField(null=True)
    #: A short reason code for `failed` (never the provider's text).
    failure = models.CharField(max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="intake_outbox_due"),
            models.Index(fields=["contact", "sent_at"], name="intake_outbox_contact"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=OutboxState.values), name="intake_outbox_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"outbound message {self.pk} ({self.state})"


class ContactNote(VaultedModel):
    """An intake operator's note on a contact, never shown to the person."""

    vault_unit_paths = (
        "contact__case__unit",
        "contact__continues__case__unit",
        "contact__channel__unit",
    )

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    body = EncryptedTextField(max_length=2000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on contact {self.contact_id}"


class CannedReply(models.Model):
    """A prepared reply in both languages; the operator picks it and the
    contact's language decides which text is sent. Not personal."""

    title = models.CharField(_("title"), max_length=80, unique=True)
    body_my = models.TextField(_("text in Burmese"), max_length=2000)
    body_en = models.TextField(_("text in English"), max_length=2000)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def body_for(self, language: str) -> str:
        return self.body_en if language == "en" else self.body_my


class ResumeGuard(models.Model):
    """Wrong receipts counted per case code and per source (a chat, or a
    web client's address), each under a keyed hash, so that a code that
    does not exist is counted exactly like one that does
    (`conversation.resume_check`).

    `failures` counts within the window that began at `window_start`;
    `wait_from` is when this source was first told to wait for this code.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    wait_from = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"resume guard {self.key[:8]}: {self.failures}"


class Throttle(models.Model):
    """A counter per key and time window, shared by every server process
    (the web form's flood limits). `key` is a hash, never an address."""

    key = models.CharField(max_length=64)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="intake_throttle_once"),
        ]

    def __str__(self) -> str:
        return f"throttle {self.key[:8]} {self.window}: {self.count}"


class WebSession(models.Model):
    """A person's session on the web form after a correct code and receipt
    (or a new submission): the keyed hash of a random token that only
    their cookie holds, bound to the conversation's root contact. The
    session exists while its row does and `expires_at` is ahead: Leave
    deletes the row, and nothing else opens a conversation on the web."""

    token_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="web_sessions")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"web session {self.token_hash[:8]} until {self.expires_at:%H:%M}"
