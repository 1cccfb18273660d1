"""Threat kinds, kept by headquarters' administrators. Nothing else of
protection is in the admin: houses and assessments hold personal data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from safepassage.accounts.policies import acts_across_units

from .models import ThreatKind


@admin.register(ThreatKind)
class ThreatKindAdmin(admin.ModelAdmin[ThreatKind]):
    list_display = ("label", "label_my", "code", "order", "active")
    ordering = ("order", "id")

    def _headquarters(self, request: HttpRequest) -> bool:
        return acts_across_units(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._headquarters(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._headquarters(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._headquarters(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._headquarters(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A kind named by assessments is retired (not asked about), never deleted.
        return False
