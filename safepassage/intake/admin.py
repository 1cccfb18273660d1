"""Prepared replies, channels and updates set aside, in the admin
(headquarters' administrators only: all are headquarters', whichever unit
reads a channel). Nothing personal is shown: updates set aside (quarantined
or unreadable) are listed by channel, kind, state, reason and time, never
their content or the provider's id. Every save goes through `services` and
is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.admin_site import HeadquartersOnly

from . import services
from .models import CannedReply, Channel, InboundUpdate, UpdateState


@admin.register(CannedReply)
class CannedReplyAdmin(HeadquartersOnly, admin.ModelAdmin[CannedReply]):
    list_display = ["title", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title"]
    actions = None

    def save_model(self, request: HttpRequest, obj: CannedReply, form: Any, change: bool) -> None:
        services.canned_reply_save(actor=request.user, canned=obj)


@admin.register(Channel)
class ChannelAdmin(HeadquartersOnly, admin.ModelAdmin[Channel]):
    """Channels at a glance, and switching one off or on. Credentials are
    never shown or edited here: `manage.py channel_add` takes them (from
    stdin) and prints the webhook secret once."""

    list_display = ["name", "kind", "unit", "is_active", "webhook_path", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    fields = ["name", "kind", "unit", "api_url", "webhook_path", "is_active"]
    readonly_fields = ["name", "kind", "unit", "api_url", "webhook_path"]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # manage.py channel_add: the token must not travel through a form

    @admin.display(description=_("webhook path"))
    def webhook_path(self, obj: Channel) -> str:
        return obj.webhook_path() if obj.kind != "web" else "/contact/"

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        services.channel_set_active(actor=request.user, channel=obj, active=obj.is_active)


@admin.register(InboundUpdate)
class SetAsideUpdateAdmin(HeadquartersOnly, admin.ModelAdmin[InboundUpdate]):
    """Quarantined and unreadable updates, counted and listed without
    content, for headquarters' administrators only; read-only."""

    list_display = ["number", "channel", "kind", "state", "reason", "received_at"]
    list_filter = ["state", "reason", "channel"]
    list_display_links = None
    actions = None
    list_select_related = ["channel"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .filter(state__in=[UpdateState.QUARANTINED, UpdateState.FAILED])
            .defer("payload")
        )

    @admin.display(description=_("number"), ordering="pk")
    def number(self, obj: InboundUpdate) -> int:
        return obj.pk

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self.has_module_permission(request)  # the list only

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
