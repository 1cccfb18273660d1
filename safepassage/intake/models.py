"""Channels (bots and pages) and the updates they deliver.

A channel's credentials and webhook secret are encrypted. An inbound
update is stored as it arrived (encrypted, under a data key of its own, so
that a purge or a shred can take it alone) before anything reads it, and
once only: the provider's own id makes a retried or replayed delivery a
no-op.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from safepassage.vault.fields import EncryptedTextField, VaultedModel
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
