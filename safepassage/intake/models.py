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

from safepassage.vault.fields import BlindIndexField, EncryptedTextField, VaultedModel
from safepassage.vault.keys import SYSTEM_SCOPE, scope_for_unit


class ChannelKind(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram bot")
    FACEBOOK = "facebook", _("Facebook page")


DEFAULT_API_URL = {
    ChannelKind.TELEGRAM: "https://api.telegram.org",
    ChannelKind.FACEBOOK: "https://graph.facebook.com",
}


class Channel(VaultedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: Bot token (Telegram) or page access token (Facebook).
    token = EncryptedTextField(_("token"), max_length=500)
    #: Telegram's secret_token header, or Facebook's verify token.
    webhook_secret = EncryptedTextField(_("webhook secret"), max_length=256)
    #: Facebook's app secret, which signs every delivery (X-Hub-Signature-256).
    app_secret = EncryptedTextField(_("app secret"), max_length=256)
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


class InboundUpdate(VaultedModel):
    """One delivery from a provider. `payload` is the body as received
    (empty for what is ignored on arrival: group and channel posts)."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="updates")
    provider_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=40)
    payload = EncryptedTextField()
    state = models.CharField(max_length=10, choices=UpdateState.choices)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
    page-scoped id): a channel address, encrypted, found through its blind
    index within the channel.
    """

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="contacts")
    address = EncryptedTextField(max_length=100)
    address_index = BlindIndexField(source="address")
    language = models.CharField(max_length=2, blank=True)
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
        return self.channel.vault_scope()


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

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="messages")
    inbound = models.BooleanField()
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    body = EncryptedTextField()
    provider_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

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


class OutboundMessage(VaultedModel):
    """A message to a contact, sent through the contact's own channel by the
    outbox (`outbox.py`). Shares the contact's data key."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="outbox")
    body = EncryptedTextField(max_length=4096)
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
