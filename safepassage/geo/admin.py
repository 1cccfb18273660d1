"""Read-only admin pages for the place tables.

The data changes only by migration (see `data/README.md`): a point or a
name edited by hand in one database would disagree with every other
database, and this app cannot audit a write (it sits below the audit
layer). The admin site itself admits only verified administrators, so
viewing needs no model permission of its own.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import District, State, Township

M = TypeVar("M", bound=Model)


class ReadOnlyPlaceAdmin(admin.ModelAdmin[M]):
    actions = None

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site.has_permission(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(State)
class StateAdmin(ReadOnlyPlaceAdmin[State]):
    list_display = ["pcode", "name_en", "name_my"]
    search_fields = ["pcode", "name_en", "name_my"]


@admin.register(District)
class DistrictAdmin(ReadOnlyPlaceAdmin[District]):
    list_display = ["pcode", "name_en", "name_my", "state"]
    list_filter = ["state"]
    search_fields = ["pcode", "name_en", "name_my"]
    list_select_related = ["state"]


@admin.register(Township)
class TownshipAdmin(ReadOnlyPlaceAdmin[Township]):
    list_display = ["pcode", "name_en", "name_my", "district", "state", "coord_source", "has_point"]
    list_filter = ["district__state", "coord_source"]
    search_fields = ["pcode", "name_en", "name_my", "name_my_zawgyi"]
    list_select_related = ["district__state"]
    fields = [
        "pcode",
        "name_en",
        "name_my",
        "name_my_zawgyi",
        "district",
        "seat_en",
        "seat_my",
        "lat",
        "lon",
        "coord_source",
    ]

    @admin.display(description=_("state or region"), ordering="district__state")
    def state(self, obj: Township) -> str:
        return str(obj.district.state)

    @admin.display(description=_("point known"), boolean=True)
    def has_point(self, obj: Township) -> bool:
        return obj.point is not None
