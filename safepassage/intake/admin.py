"""Prepared replies in the admin (administrators only). Not personal:
stored in clear; every save goes through `services` and is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from safepassage.accounts.roles import Role

from . import services
from .models import CannedReply


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin[CannedReply]):
    list_display = ["title", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title"]
    actions = None

    def _administrator(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return self.admin_site.has_permission(request) and bool(
            user.has_any_role([Role.ADMINISTRATOR])
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit keeps who did it

    def save_model(self, request: HttpRequest, obj: CannedReply, form: Any, change: bool) -> None:
        services.canned_reply_save(actor=request.user, canned=obj)
