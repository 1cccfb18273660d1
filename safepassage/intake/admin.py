"""Prepared replies and channels in the admin (headquarters'
administrators only: both are headquarters', whichever unit reads a
channel). Nothing personal is shown; every save goes through `services`
and is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.admin_site import HeadquartersOnly

from . import services
from .models import CannedReply, Channel


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
