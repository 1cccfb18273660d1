"""The Django admin, open only to verified administrators.

Installed as the default admin site (see admin_apps.py), so `admin.site`
everywhere is this one. Every admin URL declares
`requires_role(Role.ADMINISTRATOR)`, which also needs the second factor;
the admin's own login page only redirects to the product's sign-in.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _

from safepassage.core.permissions import (
    get_access_policy,
    is_verified,
    public,
    refuse_in_view,
    requires_role,
)

from .models import Unit
from .policies import acts_across_units, roles_grantable_by
from .roles import Role


@public
def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME, "/admin/"))


class SafePassageAdminSite(admin.AdminSite):
    site_header = _("SafePassage administration")
    site_title = _("SafePassage administration")
    index_title = _("Administration")
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and is_verified(user)
            and user.has_any_role([Role.ADMINISTRATOR])
        )

    def get_urls(self) -> list[URLPattern | URLResolver]:
        urls: list[URLPattern | URLResolver] = super().get_urls()
        return [self._declare(pattern) for pattern in urls]

    def _declare(self, pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
        if isinstance(pattern, URLResolver):
            for child in pattern.url_patterns:
                self._declare(child)
            return pattern
        if pattern.name == "login":
            return path("login/", admin_login_redirect, name="login")
        if get_access_policy(pattern.callback) is None:
            pattern.callback = requires_role(Role.ADMINISTRATOR)(pattern.callback)
        return pattern


class AdministratorsOnly:
    """Permissions for a ModelAdmin that administrators run: view, add and
    change as the site allows (administrators with the second factor);
    never delete (switch off instead, so the audit keeps who did it)."""

    admin_site: Any

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(self.admin_site.has_permission(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HeadquartersOnly(AdministratorsOnly):
    """Permissions for what belongs to headquarters (channels, prepared
    replies): its administrators only. Another unit's administrator gets
    an audited 403 on every page, and no entry on the admin's index."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(self.admin_site.has_permission(request)) and acts_across_units(request.user)


class UnitScoped:
    """A ModelAdmin whose rows belong to a unit (`unit_lookup` from the
    model to the unit's id). Headquarters' administrators see and act on
    every unit's rows; another unit's administrator on its own only:

    - lists, searches and filters start from the unit's rows;
    - a page of another unit's row is refused (403, audited), not hidden;
    - an action (bulk too) naming another unit's row is refused whole,
      before anything is done;
    - choices of a unit offer the own unit only, choices of roles those
      the administrator may grant.

    Services check the same rules again (`accounts.policies`).
    """

    unit_lookup = "unit_id"
    model: Any

    def _scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        user: Any = request.user
        if acts_across_units(user):
            return queryset
        return queryset.filter(**{self.unit_lookup: user.unit_id})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        return self._scope(request, queryset)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        found = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if found is None and self._exists(object_id):
            raise refuse_in_view(request, "other_unit")
        return found

    def _exists(self, object_id: str) -> bool:
        try:
            return bool(self.model._default_manager.filter(pk=object_id).exists())
        except (ValueError, TypeError, ValidationError):
            return False

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any], *args: Any) -> Any:
        if request.POST.get("select_across") != "1":
            selected = set(request.POST.getlist(ACTION_CHECKBOX_NAME))
            try:
                visible = {
                    str(pk)
                    for pk in self.get_queryset(request)
                    .filter(pk__in=selected)
                    .values_list("pk", flat=True)
                }
            except (ValueError, TypeError, ValidationError):
                visible = set()
            if selected - visible and any(self._exists(pk) for pk in selected - visible):
                raise refuse_in_view(request, "other_unit")
        return super().response_action(request, queryset, *args)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if db_field.related_model is Unit and not acts_across_units(user):
            kwargs["queryset"] = Unit.objects.filter(pk=user.unit_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if db_field.related_model is Group:
            kwargs["queryset"] = Group.objects.filter(
                name__in=[r.value for r in roles_grantable_by(user)]
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
