from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .admin_site import UnitScoped
from .models import Unit, User
from .policies import acts_across_units
from .roles import Role

# Roles are groups, changed only through services.user_set_roles (which
# ends sessions). Second-factor devices (accounts.models) have no admin:
# an authenticator secret is shown once, at provisioning, and backup codes
# exist only as digests.
for model in (Group,):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Unit)
class UnitAdmin(UnitScoped, admin.ModelAdmin[Unit]):
    """Units: headquarters' administrators make and change them; another
    unit's administrator sees its own unit, read-only."""

    unit_lookup = "pk"
    list_display = ["name", "kind", "parent", "is_headquarters", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    fields = ["name", "kind", "parent", "is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and acts_across_units(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Unit | None = None) -> bool:
        return super().has_change_permission(request, obj) and acts_across_units(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Unit | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        actor: Any = request.user
        if change:
            services.unit_update(
                actor=actor,
                unit=obj,
                name=obj.name,
                kind=obj.kind,
                parent=obj.parent,
                is_active=obj.is_active,
            )
        else:
            created = services.unit_create(
                actor=actor,
                name=obj.name,
                kind=obj.kind,
                parent=obj.parent,
                is_active=obj.is_active,
            )
            obj.pk = created.pk
            obj.is_headquarters = created.is_headquarters


@admin.register(User)
class UserAdmin(UnitScoped, admin.ModelAdmin[User]):
    """Read-only list of staff with the actions that withdraw access.

    Scoped by `UnitScoped`: another unit's administrator lists, opens and
    acts on the members of its own unit only."""

    list_display = ["username", "unit", "is_active", "roles"]
    list_filter = ["is_active", "unit"]
    search_fields = ["username"]
    fields = ["username", "unit", "is_active", "last_login", "date_joined"]
    readonly_fields = ["username", "unit", "is_active", "last_login", "date_joined"]
    actions = ["deactivate", "end_sessions"]

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(str(r.label) for r in sorted(obj.role_set()))

    def get_list_filter(self, request: HttpRequest) -> Any:
        # The unit filter would list every unit to an administrator of one.
        return self.list_filter if acts_across_units(request.user) else ["is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.has_any_role([Role.ADMINISTRATOR]))

    @admin.action(description=_("Deactivate selected users"), permissions=["withdraw"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor: Any = request.user
        count = 0
        for user in queryset.exclude(pk=actor.pk):
            services.user_deactivate(actor=actor, user=user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("End all sessions of selected users"), permissions=["withdraw"])
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor: Any = request.user
        for user in queryset:
            services.user_end_sessions(actor=actor, user=user, reason="administrator")
        self.message_user(request, _("Sessions ended."), messages.SUCCESS)
