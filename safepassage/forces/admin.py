"""The unit directory in the admin: base township and coverage per unit.

A separate page rather than an inline on the accounts Unit admin: inline
formsets save rows themselves, which would bypass the audited services,
and replacing another app's ModelAdmin depends on import order. Every
save goes through `services`. The directory is headquarters' routing
table: its administrators change it; another unit's administrator sees
its own unit's entry, read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.admin_site import AdministratorsOnly, UnitScoped
from safepassage.accounts.policies import acts_across_units

from . import services
from .forms import UnitDirectoryForm
from .models import UnitProfile


@admin.register(UnitProfile)
class UnitDirectoryAdmin(UnitScoped, AdministratorsOnly, admin.ModelAdmin[UnitProfile]):
    form = UnitDirectoryForm
    list_display = ["unit", "base_township", "coverage_count", "unit_active"]
    list_select_related = ["unit", "base_township"]
    list_filter = ["unit__is_active", "unit__kind"]
    search_fields = ["unit__name", "base_township__name_en", "base_township__name_my"]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and acts_across_units(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and acts_across_units(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["unit"] if obj is not None else []

    def get_queryset(self, request: HttpRequest) -> QuerySet[UnitProfile]:
        queryset: QuerySet[UnitProfile] = super().get_queryset(request)
        return queryset.annotate(coverage_total=Count("unit__coverage"))

    @admin.display(description=_("townships covered"), ordering="coverage_total")
    def coverage_count(self, obj: Any) -> int:
        return int(obj.coverage_total)

    @admin.display(description=_("active"), boolean=True, ordering="unit__is_active")
    def unit_active(self, obj: UnitProfile) -> bool:
        return obj.unit.is_active

    def save_model(self, request: HttpRequest, obj: UnitProfile, form: Any, change: bool) -> None:
        actor: Any = request.user
        services.unit_profile_set(
            actor=actor, unit=obj.unit, base_township=form.cleaned_data.get("base_township")
        )
        services.unit_coverage_set(
            actor=actor, unit=obj.unit, townships=form.cleaned_data.get("coverage") or []
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Coverage was saved by the service in save_model.
        return None
